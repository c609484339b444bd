import { LIMITS } from '@opencmq/protocol';
import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { readName, requireInteger } from '../params.js';

/**
 * RewindQueue (cmq-api.md §2.6): every deleted message still retained (rewindSeconds) and enqueued at or
 * after startConsumeTime (Unix seconds) becomes receivable again. 6050/10670 when rewind is off.
 * `rewindMsgNum` in the answer (an OpenCMQ addition) says how many messages came back.
 */
export const rewindQueue: CmqAction = {
  name: 'RewindQueue',
  async handle(params, { queues }) {
    const name = readName(params, 'queueName');
    const startSeconds = requireInteger(params, 'startConsumeTime', { min: 0, max: LIMITS.unixSecondsMax });
    const rewound = await queues.rewindQueue(name, startSeconds * 1000);
    return ok({ rewindMsgNum: rewound });
  },
};
