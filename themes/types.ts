/**
 * Semantic colour tokens. Components name a token (`status.running`, `border.focus`), never a
 * colour; a theme maps each token to something Ink's `color` prop accepts: a chalk colour name
 * (`green`, `blueBright`), `#rrggbb`, or `ansi256(n)`.
 */
export interface Theme {
  readonly name: string;
  /** Task and run states (plan glyphs, pane titles, the status line). */
  readonly status: {
    readonly pending: string;
    readonly running: string;
    readonly done: string;
    readonly failed: string;
    /** Skipped, rolled back, cancelled: settled but not done. */
    readonly skipped: string;
  };
  readonly border: {
    readonly default: string;
    /** The focused worker pane. */
    readonly focus: string;
  };
  readonly text: {
    /** Secondary text: agents, dependencies, key hints. */
    readonly muted: string;
    /** Pane titles and the status line's run id. */
    readonly title: string;
    /** Key names in hints (`a`, `r`, `q`). */
    readonly key: string;
  };
  readonly breakpoint: {
    /** The `▌BREAKPOINT` marker and the confirm-quit prompt. */
    readonly marker: string;
    readonly message: string;
  };
  /** The diff pane. */
  readonly diff: {
    /** `+` lines and added counts. */
    readonly added: string;
    /** `-` lines and removed counts. */
    readonly removed: string;
    /** `@@ -a,b +c,d @@` hunk headers. */
    readonly hunk: string;
    /** Notes about the diff: "no changes yet", "binary file", "… 12 more lines". */
    readonly meta: string;
  };
}
