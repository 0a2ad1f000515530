import { Type } from 'typebox';
import { DefinitionBody, Line, Prose, SettingsBody, VersionNumber } from '../compiler/index.ts';
import { PageQuery } from '../../http/pagination.ts';

export const strict = { additionalProperties: false } as const;

const Tags = Type.Array(Line(32, 1), { maxItems: 20 });
const Name = Line(200, 1);
const Description = Prose(5000);

export const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const VersionParams = Type.Object({ id: Type.String({ format: 'uuid' }), v: VersionNumber() });
export const VersionQuery = Type.Object({ version: Type.Optional(VersionNumber()) }, strict);
export const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });

export const CreateBody = Type.Object(
  { name: Name, description: Type.Optional(Description), tags: Type.Optional(Tags), definition: DefinitionBody, settings: Type.Optional(SettingsBody) },
  strict,
);

export const UpdateBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    definition: Type.Optional(DefinitionBody),
    settings: Type.Optional(SettingsBody),
    baseVersion: Type.Optional(VersionNumber('the version this change is based on (or send If-Match)')),
  },
  strict,
);

export const CloneBody = Type.Object({ name: Type.Optional(Name) }, strict);
export const SnapshotBody = Type.Object({ label: Line(100, 1) }, strict);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    tag: Type.Optional(Line(32, 1)),
    q: Type.Optional(Line(200, 1)),
    deleted: Type.Optional(Type.Boolean({ description: 'list the trash instead' })),
  },
  strict,
);

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const WorkflowView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  // Served as stored; its shape is DefinitionBody (left open here so serialising never drops a field).
  definition: Type.Unknown(),
  settings: Type.Unknown(),
  version: Type.Integer(),
  latestVersion: Type.Integer(),
  clonedFrom: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const WorkflowSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  version: Type.Integer(),
  nodeCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: NullableTimestamp,
  purgeAt: NullableTimestamp,
});

export const VersionView = Type.Object({
  version: Type.Integer(),
  kind: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('snapshot'), Type.Literal('restore'), Type.Literal('clone')]),
  label: Type.Union([Type.String(), Type.Null()]),
  restoredFrom: Type.Union([Type.Integer(), Type.Null()]),
  authorId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
