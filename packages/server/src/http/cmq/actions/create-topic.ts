import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { decodeTopicAttributes, readFilterType, readTopicName } from '../topic-params.js';

export const createTopic: CmqAction = {
  name: 'CreateTopic',
  async handle(params, { topics }) {
    const name = readTopicName(params);
    const filterType = readFilterType(params);
    const topic = await topics.createTopic(name, {
      ...decodeTopicAttributes(params),
      ...(filterType === undefined ? {} : { filterType }),
    });
    return ok({ topicId: topic.topicId });
  },
};
