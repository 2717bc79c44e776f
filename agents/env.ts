/**
 * Variables every agent CLI that reaches a network service reads: HTTP(S) proxies (both cases, as
 * curl and Node's undici read them) and the proxy exceptions. Each adapter's `envPassthrough`
 * spreads this list beside its own names.
 */
export const PROXY_ENV: readonly string[] = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];
