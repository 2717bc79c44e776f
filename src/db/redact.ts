/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * One secret shape: a name (for tests and docs) and a global pattern. The match is replaced by
 * `[redacted]`, except the named groups `pre` and `post`, which are kept (a `KEY=` or `https://user:`).
 */
export interface SecretShape {
  readonly name: string;
  readonly pattern: RegExp;
}

// Words that make a KEY=value key look secret. The word must end the key or be followed by `_`, so
// `input_tokens: 12` (usage counts) stays while `GITHUB_TOKEN=…` and `SECRET_KEY_BASE=…` do not.
const SECRET_KEY_WORDS =
  '(?:token|secret|password|passwd|passphrase|api_?key|access_?key|private_?key|client_?key|' +
  'credentials?|session_?key|auth_?key|account_?key|signing_?key|encryption_?key)';
const SECRET_KEY = `[A-Za-z0-9_.-]*${SECRET_KEY_WORDS}(?:_[A-Za-z0-9_]*)?`;
const SECRET_VALUE = `(?:"[^"\\n]*"|'[^'\\n]*'|[^\\s"',;&}]+)`;

/**
 * The secret shapes haco hides, most specific first (provider prefixes from each provider's token
 * format documentation; the generic rules last). Every shape has a row in test/db/redact.test.ts.
 */
export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    name: 'private key block',
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
  },
  { name: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{20,}/g },
  { name: 'OpenAI / OpenRouter key (sk-…)', pattern: /\bsk-[A-Za-z0-9_-]{20,}/g },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\b/g },
  {
    name: 'AWS secret access key',
    pattern: /(?<pre>\baws_?secret_?access_?key["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}/gi,
  },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { name: 'GitLab token', pattern: /\bgl(?:pat|dt|rt|ptt|oas|cbt|imt|ft)-[A-Za-z0-9_-]{20,}/g },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'Slack webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { name: 'Stripe key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,}/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  {
    name: 'Google OAuth token or client secret',
    pattern: /\bya29\.[0-9A-Za-z_-]{20,}|\bGOCSPX-[0-9A-Za-z_-]{20,}/g,
  },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}/g },
  { name: 'SendGrid key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{20,}/g },
  { name: 'DigitalOcean token', pattern: /\bdo[por]_v1_[a-f0-9]{64}\b/g },
  { name: 'Shopify token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { name: 'PyPI token', pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g },
  { name: 'Databricks token', pattern: /\bdapi[a-f0-9]{32}\b/g },
  { name: 'Groq / xAI key', pattern: /\b(?:gsk|xai)[_-][A-Za-z0-9]{40,}/g },
  { name: 'Azure storage account key', pattern: /(?<pre>\bAccountKey=)[A-Za-z0-9/+=]{40,}/g },
  {
    name: 'JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  },
  { name: 'bearer token', pattern: /(?<pre>\bBearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi },
  { name: 'basic auth header', pattern: /(?<pre>\bBasic\s+)[A-Za-z0-9+/]{12,}={0,2}/g },
  { name: 'password in a URL', pattern: /(?<pre>\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?<post>@)/gi },
  {
    name: 'secret KEY=value (.env, YAML, JSON)',
    pattern: new RegExp(`(?<pre>(["']?)\\b${SECRET_KEY}\\2\\s*[=:]\\s*)${SECRET_VALUE}`, 'gi'),
  },
];

/** Env values shorter than this are not hidden by value: they cannot be told from ordinary words. */
export const MIN_SECRET_VALUE_LENGTH = 6;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Hides secrets in text: every {@link SECRET_SHAPES} match, and every occurrence of a known secret
 * value (e.g. an agent's `env:` values) of at least {@link MIN_SECRET_VALUE_LENGTH} characters.
 * Each is replaced by `[redacted]`; the key of a `KEY=value` pair is kept. Idempotent.
 */
export function redactText(text: string, knownValues: readonly string[] = []): string {
  let out = text;
  const values = [...new Set(knownValues)]
    .filter((v) => v.length >= MIN_SECRET_VALUE_LENGTH && v !== REDACTED)
    .sort((a, b) => b.length - a.length);
  if (values.length) out = out.replace(new RegExp(values.map(escapeRegExp).join('|'), 'g'), REDACTED);
  for (const shape of SECRET_SHAPES) {
    out = out.replace(shape.pattern, (...args: unknown[]) => {
      const groups = args.at(-1) as Partial<Record<'pre' | 'post', string>> | string;
      if (typeof groups !== 'object') return REDACTED;
      return `${groups.pre ?? ''}${REDACTED}${groups.post ?? ''}`;
    });
  }
  return out;
}

/** Redacts every string inside a JSON-like value (keys too), returning a copy. */
export function redactJson<T>(value: T, knownValues: readonly string[] = []): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, knownValues);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactText(k, knownValues), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
