import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName } from '../params.js';
import { encodeAttributes, toUnixSeconds } from '../queue-attributes.js';

export const getQueueAttributes: CmqAction = {
  name: 'GetQueueAttributes',
  async handle(params, { queues }) {
    const { queue, stats } = await queues.getQueue(readName(params, 'queueName'));
    return ok({
      queueId: queue.queueId,
      queueName: queue.name,
      ...encodeAttributes(queue),
      createTime: toUnixSeconds(queue.createdAtMs),
      lastModifyTime: toUnixSeconds(queue.modifiedAtMs),
      activeMsgNum: stats.activeMsgNum,
      inactiveMsgNum: stats.inactiveMsgNum,
      delayMsgNum: stats.delayMsgNum,
      // Both spellings: the docs, Python, C++ and cmq-sdk read rewindmsgNum; old Java and the TCP SDK
      // read rewindMsgNum and fail when it is missing (cmq-api.md §2.3).
      rewindmsgNum: stats.retainedMsgNum,
      rewindMsgNum: stats.retainedMsgNum,
      minMsgTime: stats.oldestEnqueuedAtMs === undefined ? 0 : toUnixSeconds(stats.oldestEnqueuedAtMs),
    });
  },
};
