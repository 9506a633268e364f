/** What modules use to send and run jobs (the reminders module among them). */
export interface JobQueue {
  /** Enqueue; with singletonKey a second send with the same key while the first exists is a no-op. */
  send<T extends object>(name: string, data: T, options?: { singletonKey?: string; startAfter?: Date }): Promise<void>;
  /** Run handler for each job of the queue in this process (only when workers are on). */
  work<T extends object>(
    name: string,
    handler: (data: T, attempt: JobAttemptInfo) => Promise<void>,
    options?: { concurrency?: number },
  ): Promise<void>;
  /** A cron schedule (UTC), de-duplicated across instances. */
  schedule(name: string, cron: string, data?: object): Promise<void>;
}

/** Which attempt a handler is running: a handler may record a final failure on the last one. */
export interface JobAttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** No retry follows if this attempt throws. */
  last: boolean;
}
