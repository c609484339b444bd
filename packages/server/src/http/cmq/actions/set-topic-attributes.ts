import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { decodeTopicAttributes, readTopicName } from '../topic-params.js';

/** `maxMsgSize` and `msgRetentionSeconds`; `filterType` is fixed at creation and ignored here. */
export const setTopicAttributes: CmqAction = {
  name: 'SetTopicAttributes',
  async handle(params, { topics }) {
    const name = readTopicName(params);
    await topics.setTopicAttributes(name, decodeTopicAttributes(params));
    return ok();
  },
};
