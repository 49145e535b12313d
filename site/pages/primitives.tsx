/** @jsxImportSource hono/jsx */
/**
 * The primitives' README as a page: the map from every Go construct to its TypeScript form, and
 * where the two differ.
 *
 * @example
 * ```tsx
 * import { PrimitivesPage } from "./primitives.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <PrimitivesPage site={site} />;
 * ```
 * @module
 */
import type { SiteData } from "../load.ts";
import { splitLeadingHeading } from "../markdown.ts";
import { PRIMITIVES_PATH } from "../paths.ts";
import { Layout, Prose, Toc } from "./layout.tsx";

/**
 * The primitives' page.
 *
 * @example
 * ```tsx
 * import { PrimitivesPage } from "./primitives.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <PrimitivesPage site={site} />;
 * ```
 */
export function PrimitivesPage(props: { site: SiteData }) {
  const { site } = props;
  const { heading, body } = splitLeadingHeading(site.primitives.html);
  return (
    <Layout site={site} path={PRIMITIVES_PATH} title={site.primitives.title} section="primitives">
      <article>
        <Prose html={heading} class="prose page-title" />
        <div class="with-toc">
          <Toc entries={site.primitives.toc} />
          <Prose html={body} />
        </div>
      </article>
    </Layout>
  );
}
