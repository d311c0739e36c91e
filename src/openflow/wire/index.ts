/**
 * The OpenFlow 1.3 codec: one whole message (header included) ↔ an OfMessage.
 *
 * We speak OpenFlow 1.3 (wire version 0x04) only. HELLO of any version decodes (with
 * its version bitmap) so the connection can negotiate or answer
 * OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE; every other message must be 1.3, else
 * OFPBRC_BAD_VERSION. Reading the length off a stream is the connection's job.
 *
 * decodeMessage never throws anything but OfDecodeError; encodeMessage is its exact
 * inverse (decodeMessage(encodeMessage(m)) deep-equals m).
 */
export * from './constants.js';
export * from './messages.js';
export { OfDecodeError, errorFor, codeName, ERROR_DATA_LEN } from './errors.js';

export { decodeMessage, encodeMessage } from './codec.js';
export { splitMultipartReply } from './multipart-reply.js';
export { negotiateVersion } from './basic.js';
