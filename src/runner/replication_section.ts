/**
 * The `replication` section of a suite file: the published figures a suite reproduces, as data,
 * each with its source (paper, table or figure). It is not part of any cell's configuration, so
 * adding it changes no configuration hash; the report's replication page sets it beside the
 * suite's results (src/report/replication.ts).
 *
 * @module
 */
import { z } from "zod";

/** Where a figure or statement is printed: the paper, and its table, figure or section. */
export const SourceSchema = z.strictObject({
  /** Authors, title, venue and year, as a reader would look the paper up. */
  paper: z.string().min(1),
  table: z.string().min(1).optional(),
  figure: z.string().min(1).optional(),
  section: z.string().min(1).optional(),
  /** The page(s) of the paper the table, figure or section is printed on ("6", "3-4"). */
  page: z.string().regex(/^[0-9]+(-[0-9]+)?$/, "must be a page or a range like 3-4").optional(),
  /**
   * Why no page is given, when it could not be checked against the paper (the page is then
   * still owed; {@linkcode findingsWithoutPage} lists them).
   */
  pageUnchecked: z.string().min(1).optional(),
  /** The code or configuration the protocol was read from, when the paper leaves it out. */
  code: z.string().min(1).optional(),
}).refine((s) => s.table ?? s.figure ?? s.section, {
  message: "must name a table, a figure or a section of the paper",
});
/** Where a figure or statement is printed. */
export type Source = z.infer<typeof SourceSchema>;

/**
 * Whether `finding` states any figure or order of the paper (a row's value or an ordering): such a
 * finding must say where the paper prints it, down to the page.
 */
export function statesPaperFigures(finding: Finding): boolean {
  return finding.orderings.length > 0 ||
    finding.rows.some((row) => Object.keys(row.paper).length > 0);
}

/**
 * The ids of `replication`'s findings that state paper figures but give neither a page nor a
 * reason why the page could not be checked (a suite file's test requires none).
 */
export function findingsWithoutPage(replication: Replication): string[] {
  return replication.findings.filter((f) =>
    statesPaperFigures(f) && f.source.page === undefined && f.source.pageUnchecked === undefined
  ).map((f) => f.id);
}

/**
 * One published figure: a mean with its standard error over the paper's runs (the interval is
 * then mean ± t·se, Student's t at 95% with runs − 1 degrees of freedom), or an interval the
 * paper states ("all 8 modes": low = high = 8).
 */
export const PaperValueSchema = z.union([
  z.strictObject({ mean: z.number(), se: z.number().nonnegative() }),
  z.strictObject({ low: z.number(), high: z.number() }).refine((v) => v.low <= v.high, {
    message: "low must be <= high",
  }),
]);
/** One published figure. */
export type PaperValue = z.infer<typeof PaperValueSchema>;

/** A column of a finding: one of ganbench's figures, and how the paper's numbers map onto it. */
export const ColumnSchema = z.strictObject({
  /** A figure key, e.g. `modes.hq`. */
  figure: z.string().min(1),
  /** The paper's name for it. */
  label: z.string().min(1),
  /** `percent`: the paper prints 100 × ganbench's figure (98.2 % for hq 0.982). */
  unit: z.enum(["percent"]).optional(),
  /**
   * The value a seed that diverged counts as (a diverged Dirac-GAN run did not converge: 0);
   * without it, diverged seeds are left out, as in the leaderboards.
   */
  divergedAs: z.number().optional(),
});
/** A column of a finding. */
export type Column = z.infer<typeof ColumnSchema>;

/** A row of a finding: one of the suite's variants, with the paper's name and figures for it. */
export const RowSchema = z.strictObject({
  /** The suite's variant label. */
  variant: z.string().min(1),
  /** The paper's name for it (e.g. PacGAN2). */
  label: z.string().min(1),
  /** The paper's figure per column figure key; a row may state none (then only orderings apply). */
  paper: z.record(z.string(), PaperValueSchema).default({}),
});
/** A row of a finding. */
export type Row = z.infer<typeof RowSchema>;

/** An order the paper states between two rows on a figure, without numbers ("WGAN does less well"). */
export const OrderingSchema = z.strictObject({
  figure: z.string().min(1),
  /** The row (variant label) the paper puts higher on `figure`. */
  higher: z.string().min(1),
  /** The row it puts lower. */
  lower: z.string().min(1),
});
/** An order the paper states between two rows. */
export type Ordering = z.infer<typeof OrderingSchema>;

/** One published finding: a table (or a figure's statement) on one dataset. */
export const FindingSchema = z.strictObject({
  /** Anchor on the page, unique within the suite. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case letters, digits and '-'"),
  /** What the paper finds, in one sentence. */
  claim: z.string().min(1),
  source: SourceSchema,
  /** The suite's dataset it is measured on. */
  dataset: z.string().min(1),
  /** The paper's runs per row, behind its standard errors. */
  runs: z.int().min(2).optional(),
  columns: z.array(ColumnSchema).min(1),
  rows: z.array(RowSchema).min(1),
  orderings: z.array(OrderingSchema).default([]),
});
/** One published finding. */
export type Finding = z.infer<typeof FindingSchema>;

/** The `replication` section of a suite. */
export const ReplicationSchema = z.strictObject({
  /** The paper, as cited on the page. */
  paper: z.string().min(1),
  /** Where the protocol (budgets, networks, optimiser) comes from. */
  protocol: z.string().min(1),
  /** The profile that runs the paper's own budget (other profiles are shortened). */
  paperProfile: z.string().min(1),
  /** What ganbench does differently from the paper's code even at `paperProfile`, one item each. */
  differences: z.array(z.string().min(1)).default([]),
  findings: z.array(FindingSchema).min(1),
}).superRefine((section, ctx) => {
  section.findings.forEach((finding, f) => {
    if (section.findings.findIndex((other) => other.id === finding.id) !== f) {
      ctx.addIssue({
        code: "custom",
        message: `duplicate finding id '${finding.id}'`,
        path: [
          "findings",
          f,
          "id",
        ],
      });
    }
    if (findingsWithoutPage({ ...section, findings: [finding] }).length) {
      ctx.addIssue({
        code: "custom",
        message:
          "a finding that states the paper's figures or orders must give source.page (or source.pageUnchecked: why not)",
        path: ["findings", f, "source"],
      });
    }
    const figures = finding.columns.map((c) => c.figure);
    const variants = finding.rows.map((r) => r.variant);
    finding.rows.forEach((row, r) => {
      for (const figure of Object.keys(row.paper)) {
        if (!figures.includes(figure)) {
          ctx.addIssue({
            code: "custom",
            message: `figure '${figure}' is not one of the finding's columns (${
              figures.join(", ")
            })`,
            path: ["findings", f, "rows", r, "paper", figure],
          });
        }
      }
      if ((Object.values(row.paper).some((v) => "se" in v)) && finding.runs === undefined) {
        ctx.addIssue({
          code: "custom",
          message: "a mean with a standard error needs the finding's runs",
          path: ["findings", f, "runs"],
        });
      }
    });
    finding.orderings.forEach((ordering, o) => {
      for (const side of ["higher", "lower"] as const) {
        if (!variants.includes(ordering[side])) {
          ctx.addIssue({
            code: "custom",
            message: `'${ordering[side]}' is not one of the finding's rows (${
              variants.join(", ")
            })`,
            path: ["findings", f, "orderings", o, side],
          });
        }
      }
      if (!figures.includes(ordering.figure)) {
        ctx.addIssue({
          code: "custom",
          message: `figure '${ordering.figure}' is not one of the finding's columns`,
          path: ["findings", f, "orderings", o, "figure"],
        });
      }
    });
  });
});
/** The `replication` section of a suite. */
export type Replication = z.infer<typeof ReplicationSchema>;
