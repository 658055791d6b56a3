/**
 * The `zipkin` receiver's config: otelcol-contrib's zipkinreceiver keys (confighttp.ServerConfig
 * squashed, plus parse_string_tags) and defaults, so a production YAML parses unchanged.
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';
import { HTTP_NOT_YET_KEYS, httpServerShape, refuseNotYet } from '../jaeger/confighttp.ts';

export const DEFAULT_ENDPOINT = 'localhost:9411';

export const zipkinReceiverConfigSchema = zStrictObject({
  ...httpServerShape(DEFAULT_ENDPOINT),
  parse_string_tags: z.boolean({ error: 'expected true or false' }).default(false),
}).superRefine((v, ctx) => refuseNotYet(v, HTTP_NOT_YET_KEYS, ctx));

export type ZipkinReceiverConfig = z.output<typeof zipkinReceiverConfigSchema>;
