import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '@habitual/shared';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';
import { envelope, send, statusOf, toAppError } from './error-handler.js';

/**
 * Errors Node's HTTP parser raises before there is a request object (Fastify's
 * `clientErrorHandler`): the answer is written straight onto the socket, in our envelope.
 */
function clientErrorOf(err: NodeJS.ErrnoException): { code: ErrorCode; message: string } {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: 'REQUEST_TIMEOUT',
        message: 'The request did not arrive in time (headers within 10 s, the whole request within 30 s)',
      };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'REQUEST_HEADERS_TOO_LARGE', message: 'The request line and headers exceed 16 KiB' };
    default:
      return { code: 'VALIDATION_ERROR', message: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * Fastify's `clientErrorHandler`: the 400, 408 and 431 that Node produces for a request it
 * cannot parse (or that arrives too slowly) answer with the error envelope and close the
 * connection, as Node's own handler does, instead of Fastify's own JSON shape.
 */
export function clientErrorHandler(log: FastifyBaseLogger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const { code, message } = clientErrorOf(err);
    const status = statusOf(code);
    const requestId = randomUUID();
    log.info({ requestId, code, status, reason: err.code }, 'connection rejected');
    // Only when nothing of a response has been written yet; otherwise the bytes would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify(envelope(new AppError(code, message), requestId));
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${requestId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(err);
  };
}

/** Fastify's `frameworkErrors`: a bad URL, a path parameter over the limit (414), a constraint error. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  return send(request, reply, toAppError(error));
}
