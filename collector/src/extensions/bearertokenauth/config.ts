/**
 * bearertokenauth config, with otelcol-contrib's keys and defaults
 * (extension/bearertokenauthextension): `scheme` ("Bearer"), `token`, `tokens`, `filename`
 * (takes precedence over token / tokens, re-read when the file changes) and `header`
 * ("Authorization").
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';

export const DEFAULT_SCHEME = 'Bearer';
export const DEFAULT_HEADER = 'Authorization';
export const NO_TOKEN = 'no bearer token provided';
export const TOKEN_AND_TOKENS = 'either tokens or token should be provided, not both';

const str = (what: string) => z.string({ error: `expected ${what}` });

export const bearerTokenAuthConfigSchema = zStrictObject({
  scheme: str('a scheme like "Bearer"').default(DEFAULT_SCHEME),
  // configopaque.String: a plain string in YAML; never logged.
  token: str('a token string').default(''),
  tokens: z.array(str('a token string'), { error: 'expected a list of tokens' }).nullish().transform((v) => v ?? []),
  filename: str('a file name').default(''),
  header: str('a header name')
    .default(DEFAULT_HEADER)
    .refine((h) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h), { error: 'expected a valid HTTP header name' }),
}).superRefine((cfg, ctx) => {
  if (cfg.token === '' && cfg.tokens.length === 0 && cfg.filename === '') ctx.addIssue({ code: 'custom', message: NO_TOKEN });
  if (cfg.token !== '' && cfg.tokens.length > 0) ctx.addIssue({ code: 'custom', path: ['tokens'], message: TOKEN_AND_TOKENS });
});

export type BearerTokenAuthConfig = z.output<typeof bearerTokenAuthConfigSchema>;
