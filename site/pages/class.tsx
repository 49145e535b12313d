/** @jsxImportSource hono/jsx */
/**
 * The class overview. By default it names nobody: per lab, the distribution of scores drawn as an
 * inline SVG, the pass rate of every test, and the class's hardest tests, so the page can be put
 * online. The instructor's edition (`--show-names`) adds the table of students × labs, each name
 * leading to that student's private page.
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
import { type PassRate } from "../results.ts";
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

/** How many of the class's hardest tests the overview lists. */
const HARDEST_COUNT = 10;

/** Score buckets of the distribution chart: 0–9 %, 10–19 %, …, 90–99 %, and 100 %. */
const BUCKET_LABELS = ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"];

/**
 * How many students scored in each bucket of {@link BUCKET_LABELS}, from each student's share of
 * the lab's points (0 to 1).
 *
 * @example
 * ```ts
 * import { scoreBuckets } from "./class.tsx";
 * scoreBuckets([0, 0.55, 1, 1]); // → [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2]
 * ```
 */
export function scoreBuckets(shares: number[]): number[] {
  const counts = BUCKET_LABELS.map(() => 0);
  for (const share of shares) {
    const clamped = Math.min(1, Math.max(0, share));
    counts[clamped >= 1 ? 10 : Math.floor(clamped * 10)]++;
  }
  return counts;
}

/**
 * The median of some numbers, or 0 for none.
 *
 * @example
 * ```ts
 * import { median } from "./class.tsx";
 * median([0.2, 0.9, 0.5]); // → 0.5
 * ```
 */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The distribution of a lab's scores as an inline SVG bar chart: one bar per bucket, its count
 * above it, the bucket below. The colours come from the stylesheet (classes, no inline style), so
 * the chart follows dark mode; the numbers are in the SVG's text and title for screen readers.
 */
function Distribution(props: { id: string; label: string; counts: number[] }) {
  const { counts } = props;
  const width = 440;
  const height = 170;
  const top = 22;
  const bottom = 34;
  const slot = width / counts.length;
  const tallest = Math.max(1, ...counts);
  const plot = height - top - bottom;
  const summary = counts.map((count, index) =>
    `${BUCKET_LABELS[index]}${
      index === 10 ? "" : "–" + (Number(BUCKET_LABELS[index]) + 9)
    } %: ${count}`
  ).join(", ");
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title`}
        class="distribution"
      >
        <title id={`${props.id}-title`}>{props.label}: {summary}</title>
        <line class="axis" x1="0" y1={height - bottom} x2={width} y2={height - bottom} />
        {counts.map((count, index) => {
          const barHeight = Math.round((count / tallest) * plot);
          const x = Math.round(index * slot + slot * 0.15);
          const y = height - bottom - barHeight;
          return (
            <g>
              <rect class="bar" x={x} y={y} width={Math.round(slot * 0.7)} height={barHeight} />
              <text class="count" x={Math.round(index * slot + slot / 2)} y={y - 5}>
                {count}
              </text>
              <text class="bucket" x={Math.round(index * slot + slot / 2)} y={height - bottom + 16}>
                {BUCKET_LABELS[index]}
              </text>
            </g>
          );
        })}
        <text class="caption" x={width / 2} y={height - 4}>score, % of the lab's points</text>
      </svg>
      <figcaption>{props.label}: students by score.</figcaption>
    </figure>
  );
}

/** A table of tests with how many students passed each. */
function PassRateTable(props: { rates: PassRate[]; withLab?: (rate: PassRate) => string }) {
  return (
    <div class="table-scroll">
      <table class="pass-rates">
        <thead>
          <tr>
            <th scope="col" class="test-name">Test</th>
            <th scope="col" class="number">Passed</th>
            <th scope="col">Rate</th>
          </tr>
        </thead>
        <tbody>
          {props.rates.map((rate) => (
            <tr>
              <td class="test-name">
                {props.withLab ? <span class="muted">{props.withLab(rate)}:</span> : null}
                {rate.shortName}
              </td>
              <td class="number">{rate.passed} / {rate.total}</td>
              <td>
                <Rate part={rate.passed} whole={rate.total} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The class overview page: aggregates only, unless the results were loaded with `showNames`.
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
  const sharesOf = (labId: string | null) =>
    results.students.map((student) => labOf(student, labId)).filter((lab) => lab !== undefined)
      .map((lab) => lab.maxScore === 0 ? 0 : lab.score / lab.maxScore);
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const shortLabel = (labId: string | null) => labId === null ? "Other" : `Lab ${labId}`;
  const hardest = results.passRates.filter((rate) => rate.total > 0 && rate.passed < rate.total)
    .sort((a, b) => a.passed / a.total - b.passed / b.total || b.total - a.total)
    .slice(0, HARDEST_COUNT);
  const count = results.students.length;
  return (
    <Layout site={site} path={path} title="Class results" section="results">
      <h1>Class results</h1>
      <p>
        {count} {count === 1 ? "student" : "students"}, {columns.length}{" "}
        {columns.length === 1 ? "lab" : "labs"} graded with the hidden tests.
        {results.gradedAt ? <>{" "}Graded {formatTime(results.gradedAt)}.</> : null}{" "}
        {results.showNames
          ? "This is the instructor's edition: it names every student."
          : "Only totals are shown here; each student has a private page of their own."}
      </p>
      {results.showNames && results.warnings.length > 0
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

      <nav class="toc" aria-label="Labs">
        <ol>
          {columns.map((labId) => (
            <li>
              <a href={`#lab-${labId ?? "other"}`}>{labLabel(site, labId)}</a>
            </li>
          ))}
          {hardest.length > 0
            ? (
              <li>
                <a href="#hardest">The hardest tests</a>
              </li>
            )
            : null}
          {results.showNames
            ? (
              <li>
                <a href="#scores">Scores by student</a>
              </li>
            )
            : null}
        </ol>
      </nav>

      {columns.map((labId) => {
        const lab = results.labs.find((each) => each.id === labId);
        const shares = sharesOf(labId);
        const id = `lab-${labId ?? "other"}`;
        return (
          <section aria-labelledby={id}>
            <h2 id={id}>
              {lab ? <a href={href(labPath(lab.slug))}>{labLabel(site, labId)}</a> : "Other tests"}
            </h2>
            <p>
              {shares.length} {shares.length === 1 ? "student" : "students"} graded; median{" "}
              {percent(median(shares))}, mean{" "}
              {percent(shares.reduce((total, share) => total + share, 0) / (shares.length || 1))},
              {" "}
              {shares.filter((share) => share >= 1).length} with full marks.
            </p>
            <Distribution
              id={`chart-${labId ?? "other"}`}
              label={labLabel(site, labId)}
              counts={scoreBuckets(shares)}
            />
            <h3 id={`rates-${labId ?? "other"}`}>Pass rate per test</h3>
            <PassRateTable rates={results.passRates.filter((rate) => rate.labId === labId)} />
          </section>
        );
      })}

      {hardest.length > 0
        ? (
          <section aria-labelledby="hardest">
            <h2 id="hardest">The hardest tests</h2>
            <p>The tests the fewest students passed, across every lab.</p>
            <PassRateTable rates={hardest} withLab={(rate) => shortLabel(rate.labId)} />
          </section>
        )
        : null}

      {results.showNames
        ? (
          <section aria-labelledby="scores">
            <h2 id="scores">Scores by student</h2>
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Student</th>
                    {
                      // deno-lint-ignore jsx-key -- rendered on the server: hono/jsx would print a key
                      columns.map((labId) => <th scope="col" class="number">{shortLabel(labId)}
                      </th>)
                    }
                    <th scope="col" class="number">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {results.students.map((student) => (
                    <tr>
                      <th scope="row">
                        {student.key
                          ? <a href={href(studentPath(student.key))}>{student.name}</a>
                          : student.name}
                      </th>
                      {columns.map((labId) => {
                        const outcome = labOf(student, labId);
                        return (
                          <td class="number">
                            {outcome
                              ? <Score score={outcome.score} max={outcome.maxScore} />
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
              </table>
            </div>
          </section>
        )
        : null}
    </Layout>
  );
}
