import { silentLogger, type Logger, type Notifier, type ReferrerNotification } from "@relance/core";

/** Writes notifications to the log and keeps them (inspection in tests and the sandbox). */
export class LogNotifier implements Notifier {
  readonly sent: ReferrerNotification[] = [];

  constructor(private readonly logger: Logger = silentLogger) {}

  async notify(notification: ReferrerNotification): Promise<void> {
    this.sent.push(notification);
    if (notification.type === "referral_replied") {
      // The referral's own words (and number) stay out of the logs: what happened is enough.
      const { text, phone, ...fields } = notification;
      this.logger.info({ ...fields, textLength: text.length }, "referrer notification");
      return;
    }
    this.logger.warn({ ...notification }, "referrer notification");
  }
}
