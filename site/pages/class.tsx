/** @jsxImportSource hono/jsx */
/**
 * The class overview: a table of students × labs with scores, each student linking to their page,
 * and for every lab how often each test passed across the class.
 *
 * Student names and test names are the grader's data (ultimately the students'): they are only
 * ever rendered as text, which hono/jsx escapes.
 *
 * @example
 * ```tsx
 * import { ClassPage } from "./class.tsx";
 * import type { ResultsData, SiteData } from "../load.ts";
 * declare const site: SiteData;
 * declare const results: ResultsData;
 * const page = <ClassPage site={site} results={results} />;
 * ```
 * @module
 */
import type { ResultsData, SiteData } from "../load.ts";
import { CLASS_PATH, labPath, relativeHref, studentPath } from "../paths.ts";
import { Layout, Rate, Score } from "./layout.tsx";

/**
 * The label of a lab in the results: `"Lab 04 — Channels"`, or `"Other tests"` for tests that
 * belong to no lab of the course.
 *
 * @example
 * ```ts
 * import { labLabel } from "./class.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * labLabel(site, "04"); // → "Lab 04 — Channels"
 * ```
 */
export function labLabel(site: SiteData, labId: string | null): string {
  const lab = site.course.labs.find((each) => each.id === labId);
  return lab ? `Lab ${lab.id} — ${lab.title}` : "Other tests";
}

/**
 * An ISO 8601 time as `2025-11-23 17:00 UTC`; anything else as it is.
 *
 * @example
 * ```ts
 * import { formatTime } from "./class.tsx";
 * formatTime("2025-11-23T17:00:00.000Z"); // → "2025-11-23 17:00 UTC"
 * ```
 */
export function formatTime(iso: string): string {
  const match = iso.match(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::[\d.]+)?Z$/);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/**
 * The class overview page.
 *
 * @example
 * ```tsx
 * import { ClassPage } from "./class.tsx";
 * import type { ResultsData, SiteData } from "../load.ts";
 * declare const site: SiteData;
 * declare const results: ResultsData;
 * <ClassPage site={site} results={results} />;
 * ```
 */
export function ClassPage(props: { site: SiteData; results: ResultsData }) {
  const { site, results } = props;
  const path = CLASS_PATH;
  const href = (to: string) => relativeHref(path, to);
  const columns: (string | null)[] = [
    ...results.labs.map((lab) => lab.id),
    ...(results.hasUnassigned ? [null] : []),
  ];
  const labOf = (student: ResultsData["students"][number], labId: string | null) =>
    student.labs.find((lab) => lab.labId === labId);
  const average = (labId: string | null) => {
    const outcomes = results.students.map((student) => labOf(student, labId)).filter((lab) =>
      lab !== undefined
    );
    const earned = outcomes.reduce((total, lab) => total + lab.score, 0);
    const possible = outcomes.reduce((total, lab) => total + lab.maxScore, 0);
    return possible === 0 ? 0 : earned / possible;
  };
  return (
    <Layout site={site} path={path} title="Class results" section="results">
      <h1>Class results</h1>
      <p>
        {results.students.length} {results.students.length === 1 ? "student" : "students"},{" "}
        {columns.length} {columns.length === 1 ? "lab" : "labs"}{" "}
        graded with the hidden tests. Each name leads to that student's tests and their output.
        {results.gradedAt ? <>{" "}Graded {formatTime(results.gradedAt)}.</> : null}
      </p>
      {results.warnings.length > 0
        ? (
          <div class="notice" role="note">
            <strong>While reading the results:</strong>
            <ul>
              {
                // deno-lint-ignore jsx-key -- rendered on the server: hono/jsx would print a key
                results.warnings.map((warning) => <li>{warning}</li>)
              }
            </ul>
          </div>
        )
        : null}

      <h2 id="scores">Scores</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Student</th>
              {columns.map((labId) => {
                const lab = results.labs.find((each) => each.id === labId);
                return (
                  <th scope="col" class="number">
                    {lab ? <a href={href(labPath(lab.slug))}>Lab {lab.id}</a> : "Other"}
                  </th>
                );
              })}
              <th scope="col" class="number">Total</th>
            </tr>
          </thead>
          <tbody>
            {results.students.map((student) => (
              <tr>
                <th scope="row">
                  <a href={href(studentPath(student.slug))}>{student.name}</a>
                </th>
                {columns.map((labId) => {
                  const lab = labOf(student, labId);
                  return (
                    <td class="number">
                      {lab
                        ? <Score score={lab.score} max={lab.maxScore} />
                        : <span class="muted" title="no results for this lab">—</span>}
                    </td>
                  );
                })}
                <td class="number">
                  <Score score={student.score} max={student.maxScore} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Class average</th>
              {
                // deno-lint-ignore jsx-key -- rendered on the server: hono/jsx would print a key
                columns.map((labId) => <td class="number">{Math.round(average(labId) * 100)}%</td>)
              }
              <td />
            </tr>
          </tfoot>
        </table>
      </div>

      <h2 id="pass-rates">Pass rate per test</h2>
      {columns.map((labId) => {
        const rates = results.passRates.filter((rate) => rate.labId === labId);
        return (
          <section aria-labelledby={`rates-${labId ?? "other"}`}>
            <h3 id={`rates-${labId ?? "other"}`}>{labLabel(site, labId)}</h3>
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col" class="test-name">Test</th>
                    <th scope="col" class="number">Passed</th>
                    <th scope="col">Rate</th>
                  </tr>
                </thead>
                <tbody>
                  {rates.map((rate) => (
                    <tr>
                      <td class="test-name">{rate.shortName}</td>
                      <td class="number">{rate.passed} / {rate.total}</td>
                      <td>
                        <Rate part={rate.passed} whole={rate.total} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </Layout>
  );
}
