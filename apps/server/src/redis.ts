import { Redis } from 'ioredis';

/** Connects and waits until Redis answers, so a wrong REDIS_URL fails start-up instead of the first request. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Connection errors after start-up are retried by ioredis; the insurance limiter covers the gap.
  redis.on('error', () => undefined);
  await redis.connect();
  await redis.ping();
  return redis;
}
