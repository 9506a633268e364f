import { Readable } from 'node:stream';
import { DeleteMe, Me, UpdateMe } from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/index.js';
import type { ExportSection, UsersService } from './service.js';

const UserParams = z.object({ userId: z.string().min(1).max(100).describe('The user id.') });

const UserExport = z
  .object({
    exportedAt: z.iso.datetime(),
    profile: Me,
    sessions: z.array(z.record(z.string(), z.unknown())),
    apiKeys: z.array(z.record(z.string(), z.unknown())),
  })
  .catchall(z.array(z.unknown()))
  .meta({
    id: 'UserExport',
    description:
      'Everything Habitual holds about the user, as one JSON document: the profile, then one array per kind of data (sessions, API keys without their secrets, and the data of every other module).',
  });

/**
 * The export as JSON text, piece by piece: the profile, then each section's rows as they are
 * yielded, so the response starts before the last section is read.
 */
async function* exportDocument(profile: Me, sections: readonly ExportSection[], userId: string) {
  yield `{"exportedAt":${JSON.stringify(new Date().toISOString())},"profile":${JSON.stringify(profile)}`;
  for (const section of sections) {
    yield `,${JSON.stringify(section.name)}:[`;
    let first = true;
    for await (const row of section.rows(userId)) {
      yield `${first ? '' : ','}${JSON.stringify(row)}`;
      first = false;
    }
    yield ']';
  }
  yield '}';
}

export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/me',
    {
      config: { auth: { level: 'user' } },
      schema: {
        operationId: 'getMe',
        tags: ['Users'],
        summary: 'Get the signed-in user',
        response: { 200: Me.describe('The signed-in user.') },
      },
    },
    async (request) => users.getMe(actorOf(request).userId),
  );

  app.patch(
    '/me',
    {
      config: { auth: { level: 'user', access: 'write' } },
      schema: {
        operationId: 'updateMe',
        tags: ['Users'],
        summary: 'Update name, time zone, week start and day start',
        description:
          'Changes only the fields sent. `timezone` must be an IANA zone. Fields that are not listed (id, email, role, plan…) are rejected with 400.',
        body: UpdateMe,
        response: { 200: Me.describe('The user after the change.') },
      },
    },
    async (request) => users.updateMe(actorOf(request).userId, request.body),
  );

  app.get(
    '/me/export',
    {
      config: { auth: { level: 'user' } },
      schema: {
        operationId: 'exportMe',
        tags: ['Users'],
        summary: 'Export all my data',
        description:
          'Streams one JSON document with everything stored about the user. Secrets (passwords, key hashes, tokens) are never included.',
        response: { 200: UserExport.describe('The export, streamed.') },
      },
    },
    async (request, reply) => {
      const userId = actorOf(request).userId;
      // The profile first: an account that is gone answers 404 before anything is sent.
      const profile = await users.getMe(userId);
      const document = exportDocument(profile, users.exportSections(), userId);
      return (
        reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', 'attachment; filename="habitual-export.json"')
          // A stream is sent as is (not through the serializer); the schema above documents its shape.
          .send(Readable.from(document) as unknown as z.infer<typeof UserExport>)
      );
    },
  );

  app.delete(
    '/me',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true } },
      schema: {
        operationId: 'deleteMe',
        tags: ['Users'],
        summary: 'Delete my account and all its data',
        description:
          'Removes every row that belongs to the user in one transaction. Needs a session created in the last 15 minutes, or the password in the body. API keys cannot delete accounts.',
        // DELETE usually has no body: Fastify hands `null` to the validator then.
        body: DeleteMe.nullish(),
        response: { 204: z.undefined().describe('The account and all its data are gone.') },
      },
    },
    async (request, reply) => {
      await users.deleteAccount(actorOf(request), request.body?.password);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/admin/users/:userId',
    {
      config: { auth: { level: 'admin', access: 'write', sessionOnly: true }, errors: ['NOT_FOUND', 'CONFLICT'] },
      schema: {
        operationId: 'adminDeleteUser',
        tags: ['Admin'],
        summary: "Delete a user's account and all its data (admin)",
        description:
          'The same deletion as `DELETE /api/v1/me`: every row of the user in one transaction, and a Pro subscription cancelled at Stripe, so the account is never charged again. Admins delete their own account with `DELETE /api/v1/me` (409 here).',
        params: UserParams,
        response: { 204: z.undefined().describe('The account and all its data are gone.') },
      },
    },
    async (request, reply) => {
      await users.deleteAccountAsAdmin(actorOf(request), request.params.userId);
      return reply.code(204).send();
    },
  );
};
