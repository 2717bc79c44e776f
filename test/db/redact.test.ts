import { describe, expect, it } from 'vitest';

import { REDACTED, SECRET_SHAPES, redactJson, redactText } from '../../src/db/redact.js';

// Test secrets are built from pieces so that no scanner mistakes this file for a leak.
const x = (n: number, c = 'a'): string => c.repeat(n);
const b64 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** [shape, line holding the secret, the secret part that must disappear]. */
const SECRETS: ReadonlyArray<readonly [string, string, string]> = [
  ['Anthropic API key', `key sk-ant-api03-${x(40, 'Q')}_-xyz used`, `sk-ant-api03-${x(40, 'Q')}`],
  ['Anthropic admin key', `sk-ant-admin01-${x(30, 'Z')}`, `admin01-${x(30, 'Z')}`],
  ['OpenAI project key', `OPENAI: sk-proj-${x(24, 'b')}-${x(20, 'C')}`, `sk-proj-${x(24, 'b')}`],
  ['OpenAI legacy key', `export sk-${x(48, 'D')}`, `sk-${x(48, 'D')}`],
  ['AWS access key id', 'id=AKIAIOSFODNN7EXAMPLE and more', 'AKIAIOSFODNN7EXAMPLE'],
  ['AWS temporary key id', 'ASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A'],
  ['AWS secret (aws cli config)', `aws_secret_access_key = ${b64}`, b64],
  ['AWS secret (JSON)', `{"SecretAccessKey": "${b64}"}`, b64],
  ['GitHub classic token', `ghp_${x(36, 'e')}`, `ghp_${x(36, 'e')}`],
  ['GitHub app token', `token ghs_${x(36, 'F')} end`, `ghs_${x(36, 'F')}`],
  ['GitHub fine-grained token', `github_pat_11${x(20, 'G')}_${x(59, 'h')}`, `${x(59, 'h')}`],
  ['GitLab token', `glpat-${x(20, 'i')}`, `glpat-${x(20, 'i')}`],
  ['Slack bot token', `xoxb-1234567890-${x(24, 'j')}`, `xoxb-1234567890-${x(24, 'j')}`],
  ['Slack webhook', 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX', 'T0000/B0000/XXXXXXXXXXXX'],
  ['Stripe secret key', `sk_live_${x(24, 'k')}`, `sk_live_${x(24, 'k')}`],
  ['Stripe restricted key', `rk_test_${x(24, 'L')}`, `rk_test_${x(24, 'L')}`],
  ['Google API key', `AIza${x(35, 'm')}`, `AIza${x(35, 'm')}`],
  ['Google OAuth token', `ya29.${x(40, 'n')}`, `ya29.${x(40, 'n')}`],
  ['npm token', `//registry.npmjs.org/:_authToken=npm_${x(36, 'o')}`, `npm_${x(36, 'o')}`],
  ['Hugging Face token', `HF hf_${x(34, 'p')}`, `hf_${x(34, 'p')}`],
  ['SendGrid key', `SG.${x(22, 'q')}.${x(43, 'r')}`, `${x(43, 'r')}`],
  ['DigitalOcean token', `dop_v1_${x(64, 'f')}`, `dop_v1_${x(64, 'f')}`],
  ['Shopify token', `shpat_${x(32, 'a')}`, `shpat_${x(32, 'a')}`],
  ['PyPI token', `pypi-AgEIcHlwaS5vcmc${x(60, 's')}`, x(60, 's')],
  ['Databricks token', `dapi${x(32, 'b')}`, `dapi${x(32, 'b')}`],
  ['Groq key', `gsk_${x(52, 't')}`, `gsk_${x(52, 't')}`],
  ['Azure storage key', `DefaultEndpointsProtocol=https;AccountKey=${b64}==;`, b64],
  [
    'JSON Web Token',
    'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ],
  ['bearer token', 'Authorization: Bearer abc.def-ghi_jkl~123', 'abc.def-ghi_jkl~123'],
  ['basic auth header', 'Authorization: Basic dXNlcjpodW50ZXIyMjI=', 'dXNlcjpodW50ZXIyMjI='],
  ['password in a URL', 'git clone https://alice:hunter2pass@git.example.com/r.git', 'hunter2pass'],
  ['password in a database URL', 'postgres://app:pa55w0rd!@db:5432/x', 'pa55w0rd!'],
  [
    'private key block',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAA',
  ],
  [
    'RSA private key block',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    'MIIEowIBAAKCAQEA',
  ],
  ['.env TOKEN', 'MY_SERVICE_TOKEN=plainvalue123', 'plainvalue123'],
  ['.env PASSWORD quoted', 'DB_PASSWORD="correct horse"', 'correct horse'],
  ['.env SECRET_KEY_BASE', "SECRET_KEY_BASE='abcdef123456'", 'abcdef123456'],
  ['.env API_KEY', 'export WEATHER_API_KEY=w3ath3r', 'w3ath3r'],
  ['YAML password', 'password: s3cr3t-yaml', 's3cr3t-yaml'],
  ['JSON client_secret', '{"client_secret": "cs-json-value"}', 'cs-json-value'],
  ['query string token', 'GET /cb?access_token=qs-token-value&x=1', 'qs-token-value'],
];

/** Text that looks a little like a secret but is not one, and must come out unchanged. */
const SURVIVORS: readonly string[] = [
  'commit 3f786850e387550fdab836ed7e6dc881de23001b',
  'haco(add): add function · 3f786850',
  'run 7f3a9c01 · completed · 4/4 done',
  'session 123e4567-e89b-12d3-a456-426614174000',
  'src/api/auth/[id]/route.ts and app/(group)/page.tsx',
  '/home/user/project/.haco/runs/7f3a9c01/add/attempt-1/transcript.log',
  'usage: {"input_tokens": 1234, "output_tokens": 56, "cache_read_input_tokens": 7}',
  'max_tokens=4096',
  'the task asks for a token bucket rate limiter; risk-assessment-document-template-v2',
  'PWD=/home/user/project',
  'attempt 2 ended: exit 1, signal 9',
  'https://example.com/path?page=2',
  'git@github.com:owner/repo.git',
];

describe('redactText', () => {
  it('knows at least 20 secret shapes', () => {
    expect(SECRET_SHAPES.length).toBeGreaterThanOrEqual(20);
    expect(SECRETS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(SECRETS)('hides a %s', (_name, line, secret) => {
    const out = redactText(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
    expect(redactText(out)).toBe(out);
  });

  it.each(SURVIVORS)('keeps %s', (line) => {
    expect(redactText(line)).toBe(line);
  });

  it('keeps the key of a KEY=value pair and the user of a URL', () => {
    expect(redactText('GITHUB_TOKEN=abc12345 next')).toBe('GITHUB_TOKEN=[redacted] next');
    expect(redactText('https://alice:pw123456@host/x')).toBe('https://alice:[redacted]@host/x');
  });

  it('hides known values (an agent env: entry) wherever they appear, but not short ones', () => {
    const out = redactText('value=my-own-setting, flag=1 and again my-own-setting', ['my-own-setting', '1']);
    expect(out).toBe('value=[redacted], flag=1 and again [redacted]');
  });
});

describe('redactJson', () => {
  it('redacts strings at any depth and leaves numbers alone', () => {
    const value = { a: [`ghp_${x(36, 'z')}`, 3], b: { c: 'DB_PASSWORD=p' }, n: null };
    expect(redactJson(value)).toEqual({ a: [REDACTED, 3], b: { c: `DB_PASSWORD=${REDACTED}` }, n: null });
  });
});
