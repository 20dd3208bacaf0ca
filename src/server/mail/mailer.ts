import { createTransport } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail; `null` where no SMTP server is configured (what would be mailed is shown instead). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Over SMTP (`SMTP_URL`, e.g. smtp://user:pass@mail.example:587 or smtps://…:465). */
export function smtpMailer(config: { url: string; from: string }): Mailer {
  const transport = createTransport(config.url);
  return {
    async send(mail) {
      await transport.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close() {
      transport.close();
    },
  };
}
