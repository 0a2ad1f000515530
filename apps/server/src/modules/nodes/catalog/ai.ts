import { Type } from 'typebox';
import { CredentialId, node, strict } from './schema-helpers.ts';

const LLM_CREDENTIALS = ['llm.openai', 'llm.anthropic', 'llm.openai-compatible'];
const Prompt = Type.String({ minLength: 1, maxLength: 100_000 });
const model = {
  model: Type.Optional(Type.String({ maxLength: 200, description: 'provider model name; the credential’s default when absent' })),
  credentialId: Type.Optional(CredentialId),
};

export const AI = [
  node({
    category: 'ai',
    type: 'ai.llm',
    displayName: 'LLM',
    description: 'Sends a prompt to a language model and outputs its answer.',
    credentialTypes: LLM_CREDENTIALS,
    config: Type.Object(
      {
        prompt: Prompt,
        system: Type.Optional(Type.String({ maxLength: 100_000 })),
        temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
        maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 200_000 })),
        ...model,
      },
      strict,
    ),
  }),
  node({
    category: 'ai',
    type: 'ai.agent',
    displayName: 'Agent',
    description: 'A model that reasons in steps and may call tools (node types or your workflows); its thoughts are recorded.',
    credentialTypes: LLM_CREDENTIALS,
    config: Type.Object(
      {
        prompt: Prompt,
        system: Type.Optional(Type.String({ maxLength: 100_000 })),
        tools: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 32, description: 'node types or workflow ids' })),
        maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
        ...model,
      },
      strict,
    ),
  }),
  node({
    category: 'ai',
    type: 'ai.classify',
    displayName: 'Classify',
    description: 'Puts a text into one of the given labels.',
    credentialTypes: LLM_CREDENTIALS,
    config: Type.Object({ prompt: Prompt, labels: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 2, maxItems: 50 }), ...model }, strict),
  }),
  node({
    category: 'ai',
    type: 'ai.extract',
    displayName: 'Extract',
    description: 'Pulls structured fields out of a text, shaped by a JSON Schema.',
    credentialTypes: LLM_CREDENTIALS,
    config: Type.Object(
      { prompt: Prompt, schema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the result' })), ...model },
      strict,
    ),
  }),
  node({
    category: 'ai',
    type: 'rag.query',
    displayName: 'RAG query',
    description: 'Searches your documents for a question and, unless `answer` is false, answers it from what it found.',
    credentialTypes: LLM_CREDENTIALS,
    config: Type.Object(
      {
        question: Prompt,
        documentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 100 })),
        topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
        minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        answer: Type.Optional(Type.Boolean({ default: true })),
        ...model,
      },
      strict,
    ),
  }),
];
