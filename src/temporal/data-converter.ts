import type { DataConverter, PayloadCodec } from '@temporalio/common';

/**
 * The failure converter's module path. The SDK takes failure converters only
 * by path: the worker requires it for activity failures, and the workflow
 * bundle must include it for failures raised in workflow code, so prebuilt
 * bundles pass this to bundleWorkflowCode({ failureConverterPath }).
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The one data converter of clients and workers: payloads through the
 * encryption codec, failure messages and stack traces encoded (so encrypted)
 * too. Both sides must use it, or one writes what the other cannot read.
 */
export function createDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
