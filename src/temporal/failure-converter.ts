import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Moves failure messages and stack traces into an encoded attribute payload,
 * which the payload codec then encrypts: error messages can quote what a
 * remote system said. Loaded by path (DataConverter.failureConverterPath)
 * because workflow code runs it inside the bundle, so this module must stay
 * free of Node APIs.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
