import { z } from 'zod';

/**
 * The configuration fields every agent type shares, in a leaf module (it imports only zod) so
 * that each adapter in agents/ can spread them into its own schema and src/config/schema.ts can
 * build the agent union from the registry without an import cycle.
 */

const EnvSchema = z.record(z.string(), z.string());

const ENV_PATTERN_MESSAGE = 'expected a variable name (NAME) or a prefix ending in * (PREFIX_*)';
/**
 * Variables of haco's own environment to pass to a child besides the basics: `NAME` or
 * `PREFIX_*` (see src/sessions/child-env.ts).
 */
export const EnvPassthroughSchema = z.array(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, ENV_PATTERN_MESSAGE),
);

/** `price: {input_per_mtok, output_per_mtok}`: USD per million input / output tokens. */
export const PriceSchema = z.strictObject({
  input_per_mtok: z.number().nonnegative().finite(),
  output_per_mtok: z.number().nonnegative().finite(),
});

/** Fields every agent type accepts; an adapter's schema spreads them (`...CommonAgentFields`). */
export const CommonAgentFields = {
  /** Extra environment for the agent process (stored redacted with the run, never in plain text). */
  env: EnvSchema.optional(),
  /** Variables of haco's environment passed on besides the basics and the agent type's own list. */
  env_passthrough: EnvPassthroughSchema.optional(),
  /** Extra arguments appended to the agent's command line. */
  args: z.array(z.string()).optional(),
  /**
   * Price of the agent's model, USD per million tokens; prices an attempt's tokens when the agent
   * reports tokens but no cost (a cost the agent reports always wins).
   */
  price: PriceSchema.optional(),
};

/**
 * What the core may read of any agent's configuration: its `type` (the adapter's name) and the
 * shared fields. An adapter's own config type extends this.
 */
export type AgentConfigBase = { readonly type: string } & z.output<z.ZodObject<typeof CommonAgentFields>>;

/** One agent type's config schema: a strict object whose `type` is the adapter's name. */
export type AgentSchema = z.core.$ZodTypeDiscriminable;

/**
 * The config union of the given agent types, discriminated by `type`, whose error for a missing or
 * unknown type names every type it knows (sorted): `unknown agent type "x" (expected one of: a, b)`.
 * src/config/schema.ts builds it from the registry; tests build it from their own list.
 */
export function agentConfigUnion<const S extends readonly [AgentSchema, ...AgentSchema[]]>(
  schemas: S,
  types: readonly string[],
): z.ZodDiscriminatedUnion<S, 'type'> {
  const expected = `expected one of: ${[...types].sort().join(', ')}`;
  return z.discriminatedUnion('type', schemas, {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      return type === undefined
        ? `missing agent type (${expected})`
        : `unknown agent type ${JSON.stringify(type)} (${expected})`;
    },
  });
}
