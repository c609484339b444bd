import type { ActionName, Params, WireErrorName } from '@opencmq/protocol';
import type { QueueService } from '../../service/queue-service.js';
import type { TopicService } from '../../service/topic-service.js';

export interface ActionContext {
  readonly queues: QueueService;
  readonly topics: TopicService;
}

/**
 * What an action answers: the response fields, and for results that CMQ reports with a non-zero code
 * (no message, a partly failed batch delete) the wire error that goes with them.
 */
export interface ActionResult {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly error?: { readonly wire: WireErrorName; readonly args?: readonly string[] };
}

export interface CmqAction {
  readonly name: ActionName;
  handle(params: Params, context: ActionContext): Promise<ActionResult>;
}

export const ok = (fields: Record<string, unknown> = {}): ActionResult => ({ fields });
