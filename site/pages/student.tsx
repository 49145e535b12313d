/** @jsxImportSource hono/jsx */
/**
 * One student's results: for each lab the score, and every test with its status, its points and
 * what it printed.
 *
 * Everything on this page came from the grader, and most of it from the student's code (test
 * output can contain anything the code printed): it is rendered as text only, which hono/jsx
 * escapes, so markup in a name or an output shows as characters and never becomes a tag.
 *
 * @example
 * ```tsx
 * import { StudentPage } from "./student.tsx";
 * import type { ResultsData, SiteData } from "../load.ts";
 * declare const site: SiteData;
 * declare const results: ResultsData;
 * const page = <StudentPage site={site} student={results.students[0]} />;
 * ```
 * @module
 */
import type { SiteData, StudentEntry } from "../load.ts";
import { CLASS_PATH, labPath, relativeHref, studentPath } from "../paths.ts";
import type { TestOutcome } from "../results.ts";
import { labLabel } from "./class.tsx";
import { Layout, Score, Status } from "./layout.tsx";

/** The longest first line shown in a folded output's summary. */
const PREVIEW_LENGTH = 100;

/**
 * What a test printed, folded away (a student with a hundred failures would otherwise get a page
 * of stack traces); its first line shows in the summary, which is usually the reason.
 */
function Output(props: { test: TestOutcome }) {
  const { test } = props;
  if (test.output.trim() === "") return null;
  const lines = test.output.split("\n");
  const first = lines.find((line) => line.trim() !== "")!.trim();
  const preview = first.length > PREVIEW_LENGTH ? `${first.slice(0, PREVIEW_LENGTH)}…` : first;
  const more = lines.length > 1 || first.length > PREVIEW_LENGTH;
  if (!more) return <p class="output-line">{first}</p>;
  return (
    <details class="output">
      <summary>{preview}</summary>
      <pre>{test.output}</pre>
    </details>
  );
}

/**
 * Gradescope's visibility, said in words, where it limits who sees a test. `after_published`, the
 * grader's setting for every hidden test, is not marked: publishing is what this site does.
 */
const VISIBILITY_WORDS: Record<string, string> = {
  hidden: "hidden from students",
  after_due_date: "shown after the due date",
};

/**
 * The page of one student.
 *
 * @example
 * ```tsx
 * import { StudentPage } from "./student.tsx";
 * import type { ResultsData, SiteData } from "../load.ts";
 * declare const site: SiteData;
 * declare const results: ResultsData;
 * <StudentPage site={site} student={results.students[0]} />;
 * ```
 */
export function StudentPage(props: { site: SiteData; student: StudentEntry }) {
  const { site, student } = props;
  const path = studentPath(student.key ?? "");
  const href = (to: string) => relativeHref(path, to);
  const passed = student.labs.reduce((total, lab) => total + lab.passed, 0);
  const tests = student.labs.reduce((total, lab) => total + lab.tests.length, 0);
  return (
    <Layout
      site={site}
      path={path}
      title={`Results of ${student.name}`}
      section="results"
      private
    >
      <p class="breadcrumb">
        <a href={href(CLASS_PATH)}>Class results</a> › {student.name}
      </p>
      <h1>{student.name}</h1>
      <p>
        Total <Score score={student.score} max={student.maxScore} />: {passed} of {tests}{" "}
        {tests === 1 ? "test" : "tests"} passed.
      </p>
      {student.output.trim() !== ""
        ? (
          <details class="report">
            <summary>The grader's report</summary>
            <pre>{student.output}</pre>
          </details>
        )
        : null}
      {student.labs.length > 1
        ? (
          <nav class="toc" aria-label="Labs">
            <ol>
              {student.labs.map((lab) => (
                <li>
                  <a href={`#lab-${lab.labId ?? "other"}`}>{labLabel(site, lab.labId)}</a>:{" "}
                  <Score score={lab.score} max={lab.maxScore} />
                </li>
              ))}
            </ol>
          </nav>
        )
        : null}
      {student.labs.map((lab) => {
        const entry = site.course.labs.find((each) => each.id === lab.labId);
        return (
          <section aria-labelledby={`lab-${lab.labId ?? "other"}`}>
            <h2 id={`lab-${lab.labId ?? "other"}`}>
              {entry
                ? <a href={href(labPath(entry.slug))}>{labLabel(site, lab.labId)}</a>
                : labLabel(site, lab.labId)}
            </h2>
            <p>
              <Score score={lab.score} max={lab.maxScore} />, {lab.passed} of {lab.tests.length}
              {" "}
              {lab.tests.length === 1 ? "test" : "tests"} passed.
            </p>
            {lab.reason
              ? (
                <div class="notice" role="note">
                  <strong>This lab did not run normally:</strong>
                  <pre>{lab.reason}</pre>
                </div>
              )
              : null}
            {lab.tests.length === 0
              ? <p class="muted">No test of this lab reported a result.</p>
              : (
                <ol class="tests">
                  {lab.tests.map((test) => (
                    <li class={`test ${test.status}`}>
                      <div class="test-head">
                        <Status status={test.status} />
                        <span class="test-name">
                          {test.shortName}
                          {VISIBILITY_WORDS[test.visibility]
                            ? (
                              <>
                                {" "}
                                <span class="tag">{VISIBILITY_WORDS[test.visibility]}</span>
                              </>
                            )
                            : null}
                        </span>
                        <Score score={test.score} max={test.maxScore} />
                      </div>
                      <Output test={test} />
                    </li>
                  ))}
                </ol>
              )}
          </section>
        );
      })}
    </Layout>
  );
}
