// TCP ports that carry SMTP, shared by the stages that must guess a server without seeing a SYN or a greeting.

/**
 * Plain-text SMTP service ports seen in real captures: 25, 587, 2525 and 1224 (submission and alternates), 10024 to
 * 10026 (amavis/Postfix content-filter hops and host AV reinjection).
 */
export const SMTP_PORTS: ReadonlySet<number> = new Set([25, 587, 2525, 1224, 10024, 10025, 10026]);

/** SMTP over implicit TLS (submissions): a server port, but never a readable message body. */
export const SMTP_TLS_PORTS: ReadonlySet<number> = new Set([465]);
