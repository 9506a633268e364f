import {
  AdminUser,
  AdminUsersQuery,
  ApiKey,
  BanUser,
  CreateApiKey,
  CreatedApiKey,
  MAX_API_KEYS_PER_USER,
  paginated,
  SessionInfo,
  SetUserRole,
} from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from './guard.js';
import type { AuthService } from './service.js';

const KeyParams = z.object({ keyId: z.string().min(1).max(100).describe('The API key id.') });
const UserParams = z.object({ userId: z.string().min(1).max(100).describe('The user id.') });
const SessionParams = z.object({ sessionId: z.string().min(1).max(100).describe('The session id.') });

export const apiKeyRoutes: FastifyPluginAsyncZod<{ service: AuthService }> = async (app, { service }) => {
  app.post(
    '/api-keys',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true }, errors: ['CONFLICT'] },
      schema: {
        operationId: 'createApiKey',
        tags: ['API keys'],
        summary: 'Create an API key',
        description: `Creates a key for an integration. The secret \`key\` is in this response only; it is stored hashed. Send it as the \`x-api-key\` header. Keys expire (default 365 days) and have their own rate limit. A user holds at most ${MAX_API_KEYS_PER_USER} keys (409 beyond).`,
        body: CreateApiKey,
        response: { 201: CreatedApiKey.describe('The new key, with its secret shown once.') },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createApiKey(actorOf(request).userId, request.body)),
  );

  app.get(
    '/api-keys',
    {
      config: { auth: { level: 'user', sessionOnly: true } },
      schema: {
        operationId: 'listApiKeys',
        tags: ['API keys'],
        summary: 'List my API keys',
        description: 'Every key of the user, oldest first, without secrets.',
        response: { 200: z.object({ data: z.array(ApiKey) }).describe('The keys.') },
      },
    },
    async (request) => ({ data: await service.listApiKeys(actorOf(request).userId) }),
  );

  app.delete(
    '/api-keys/:keyId',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['API keys'],
        summary: 'Revoke an API key',
        description:
          'The key stops working at once on this instance, and within the credential cache bound everywhere (see the README).',
        params: KeyParams,
        response: { 204: z.undefined().describe('Revoked.') },
      },
    },
    async (request, reply) => {
      await service.revokeApiKey(actorOf(request).userId, request.params.keyId);
      return reply.code(204).send();
    },
  );
};

export const sessionRoutes: FastifyPluginAsyncZod<{ service: AuthService }> = async (app, { service }) => {
  app.get(
    '/sessions',
    {
      config: { auth: { level: 'user', sessionOnly: true } },
      schema: {
        operationId: 'listSessions',
        tags: ['Users'],
        summary: 'List my sessions',
        description:
          'Every signed-in device, newest first, without tokens. `current` marks the session of this request.',
        response: { 200: z.object({ data: z.array(SessionInfo) }).describe('The sessions.') },
      },
    },
    async (request) => ({ data: await service.listSessions(actorOf(request)) }),
  );

  app.delete(
    '/sessions/:sessionId',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'revokeSession',
        tags: ['Users'],
        summary: 'Sign a session out',
        description:
          'Ends one of my sessions by id (this one included). It stops working at once on this instance, and within the credential cache bound everywhere.',
        params: SessionParams,
        response: { 204: z.undefined().describe('The session is ended.') },
      },
    },
    async (request, reply) => {
      await service.revokeSession(actorOf(request).userId, request.params.sessionId);
      return reply.code(204).send();
    },
  );
};

export const adminRoutes: FastifyPluginAsyncZod<{ service: AuthService }> = async (app, { service }) => {
  app.get(
    '/admin/users',
    {
      config: { auth: { level: 'admin' } },
      schema: {
        operationId: 'adminListUsers',
        tags: ['Admin'],
        summary: 'List users (admin)',
        description: 'Oldest first; `email` filters by a case-insensitive substring.',
        querystring: AdminUsersQuery,
        response: { 200: paginated(AdminUser).describe('A page of users.') },
      },
    },
    async (request) => service.listUsers(request.query),
  );

  app.post(
    '/admin/users/:userId/ban',
    {
      config: { auth: { level: 'admin', access: 'write' }, errors: ['NOT_FOUND', 'CONFLICT'] },
      schema: {
        operationId: 'adminBanUser',
        tags: ['Admin'],
        summary: 'Ban a user (admin)',
        description:
          'Signs the user out everywhere; their sessions and API keys stop working until the ban ends or is lifted.',
        params: UserParams,
        body: BanUser,
        response: { 204: z.undefined().describe('Banned.') },
      },
    },
    async (request, reply) => {
      await service.banUser(actorOf(request).userId, request.params.userId, request.body);
      return reply.code(204).send();
    },
  );

  app.post(
    '/admin/users/:userId/unban',
    {
      config: { auth: { level: 'admin', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'adminUnbanUser',
        tags: ['Admin'],
        summary: 'Lift a ban (admin)',
        params: UserParams,
        response: { 204: z.undefined().describe('The ban is lifted.') },
      },
    },
    async (request, reply) => {
      await service.unbanUser(request.params.userId);
      return reply.code(204).send();
    },
  );

  app.put(
    '/admin/users/:userId/role',
    {
      config: { auth: { level: 'admin', access: 'write', sessionOnly: true }, errors: ['NOT_FOUND', 'CONFLICT'] },
      schema: {
        operationId: 'adminSetUserRole',
        tags: ['Admin'],
        summary: "Set a user's role (admin)",
        description:
          'Makes a user an admin, or an admin a user again. Admins cannot demote themselves (409). Takes effect at once on this instance, and within the credential cache bound everywhere.',
        params: UserParams,
        body: SetUserRole,
        response: { 204: z.undefined().describe('The role is set.') },
      },
    },
    async (request, reply) => {
      await service.setRole(actorOf(request).userId, request.params.userId, request.body.role);
      return reply.code(204).send();
    },
  );
};
