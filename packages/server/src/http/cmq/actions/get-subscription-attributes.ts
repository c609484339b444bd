import type { CmqAction } from '../action.js';
import { ok } from '../action.js';
import { toUnixSeconds } from '../queue-attributes.js';
import { OWNER_UIN } from '../../../domain/topic-defaults.js';
import { readSubscriptionName, readTopicName } from '../topic-params.js';

/**
 * Both spellings where SDKs disagree (cmq-api.md §3.12, §10 q4): Python and C++ read `protocal`, Java
 * `protocol`; Java and C++ read `filterTag`, Python `filterTags`. `msgCount` counts the messages routed to
 * the subscription, which is what cmq-sdk's live tests expect (§10 q5). The signing secret never leaves the
 * server; `signingEnabled` says whether one is set.
 */
export const getSubscriptionAttributes: CmqAction = {
  name: 'GetSubscriptionAttributes',
  async handle(params, { topics }) {
    const { subscription, stats } = await topics.getSubscription(
      readTopicName(params),
      readSubscriptionName(params),
    );
    const { attributes } = subscription;
    return ok({
      subscriptionId: subscription.subscriptionId,
      topicOwner: String(OWNER_UIN),
      msgCount: stats.routedCount,
      protocol: subscription.protocol,
      protocal: subscription.protocol,
      endpoint: subscription.endpoint,
      notifyStrategy: attributes.notifyStrategy,
      notifyContentFormat: attributes.notifyContentFormat,
      createTime: toUnixSeconds(subscription.createdAtMs),
      lastModifyTime: toUnixSeconds(subscription.modifiedAtMs),
      filterTag: attributes.filterTags,
      filterTags: attributes.filterTags,
      bindingKey: attributes.bindingKeys,
      // OpenCMQ extensions: delivery statistics and push flow control.
      deliveredCount: stats.deliveredCount,
      pendingCount: stats.pendingCount,
      failedAttempts: stats.failedAttempts,
      droppedCount: stats.droppedCount,
      maxInFlight: attributes.maxInFlight,
      rateLimitPerSecond: attributes.rateLimitPerSecond,
      signingEnabled: attributes.signingSecret !== '',
    });
  },
};
