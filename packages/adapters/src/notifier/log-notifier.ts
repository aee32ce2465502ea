import { silentLogger, type Logger, type Notifier, type ReferrerNotification } from "@relance/core";

/** Writes notifications to the log and keeps them (inspection in tests and the sandbox). */
export class LogNotifier implements Notifier {
  readonly sent: ReferrerNotification[] = [];

  constructor(private readonly logger: Logger = silentLogger) {}

  async notify(notification: ReferrerNotification): Promise<void> {
    this.sent.push(notification);
    this.logger.warn({ ...notification }, "referrer notification");
  }
}
