import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { toUnixSeconds } from '../queue-attributes.js';
import { OWNER_UIN } from '../../../domain/topic-defaults.js';
import { readTopicName } from '../topic-params.js';

/**
 * Every field is always present: the Java SDK reads msgCount, maxMsgSize, msgRetentionSeconds, createTime,
 * lastModifyTime and filterType with getInt, which throws on a missing key (cmq-api.md §3.4).
 */
export const getTopicAttributes: CmqAction = {
  name: 'GetTopicAttributes',
  async handle(params, { topics }) {
    const { topic, stats } = await topics.getTopic(readTopicName(params));
    return ok({
      topicId: topic.topicId,
      topicName: topic.name,
      msgCount: stats.msgCount,
      maxMsgSize: topic.attributes.maxMsgSizeBytes,
      msgRetentionSeconds: topic.attributes.msgRetentionSeconds,
      createTime: toUnixSeconds(topic.createdAtMs),
      lastModifyTime: toUnixSeconds(topic.modifiedAtMs),
      filterType: topic.attributes.filterType,
      createUin: OWNER_UIN,
      // Publish rate is not measured; CMQ reports qps as a number, so 0 rather than absent.
      qps: 0,
    });
  },
};
