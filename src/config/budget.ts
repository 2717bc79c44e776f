import { z } from 'zod';

const POSITIVE_USD = 'expected an amount of USD above 0';

/**
 * Config `budget:` (issue 8, point 7), USD. `run_usd`: what a whole run may spend (every attempt's
 * cost plus the supervisor's calls); `task_usd`: what one task's attempts may spend. Crossing one
 * raises a `budget_exceeded` breakpoint (src/orchestrator/budget.ts). Absent: no limit.
 */
export const BudgetSchema = z
  .strictObject({
    run_usd: z.number(POSITIVE_USD).positive(POSITIVE_USD).finite(POSITIVE_USD).optional(),
    task_usd: z.number(POSITIVE_USD).positive(POSITIVE_USD).finite(POSITIVE_USD).optional(),
  })
  .prefault({});

/** The `budget` section after validation. */
export type BudgetConfig = z.output<typeof BudgetSchema>;
