import { renewsAt } from '../sessions/period';
import type { SessionRecord } from '../sessions/types';
import type { WalletService } from './service';

export interface AlarmPorts {
  create(name: string, info: { when?: number; periodInMinutes?: number }): Promise<void> | void;
}

const MAINTENANCE_ALARM = 'x402:maintenance';
const EXPIRY_ALARM_PREFIX = 'x402:expire:';
/** Budgets (issue 15): a day and an hour before each expiry (alerts), and each renewal boundary. */
const BUDGET_ALARM_PREFIX = 'x402:budget:';
const ALERT_LEADS_MS = { day: 86_400_000, hour: 3_600_000 } as const;

/**
 * The background's clockwork: a minute alarm for upkeep, one alarm per session expiry, and the
 * catch-up a freshly started worker owes (a worker that died mid-payment left reservations behind).
 */
export function createMaintenance(alarms: AlarmPorts, service: WalletService) {
  const { upkeep, audit, allowances, alerts } = service;
  const scheduleRenewal = (session: SessionRecord) => {
    if (session.period) void alarms.create(`${BUDGET_ALARM_PREFIX}${session.id}:renew`, { when: Math.max(Date.now(), renewsAt(session.period)) + 500 });
  };
  const budgets = () => {
    void upkeep.renewDue().then((renewed) => renewed.forEach(scheduleRenewal), () => undefined);
    void alerts.sweep().catch(() => undefined);
  };
  return {
    scheduleExpiry(session: SessionRecord): void {
      void alarms.create(`${EXPIRY_ALARM_PREFIX}${session.id}`, { when: session.expiresAt * 1000 + 500 });
      const now = Date.now();
      for (const [lead, ms] of Object.entries(ALERT_LEADS_MS)) {
        const when = session.expiresAt * 1000 - ms;
        if (when > now) void alarms.create(`${BUDGET_ALARM_PREFIX}${session.id}:${lead}`, { when });
      }
      scheduleRenewal(session);
    },
    onAlarm(alarm: { name: string }): void {
      if (alarm.name.startsWith(BUDGET_ALARM_PREFIX)) return budgets();
      if (alarm.name !== MAINTENANCE_ALARM && !alarm.name.startsWith(EXPIRY_ALARM_PREFIX)) return;
      void upkeep.expireDue();
      if (alarm.name === MAINTENANCE_ALARM) {
        void upkeep.reconcileStale();
        void upkeep.reconcileActive();
        void allowances.checkPaused();
        void upkeep.retryPendingRegistrations();
        void audit.prune();
        budgets();
      }
    },
    start(): void {
      void alarms.create(MAINTENANCE_ALARM, { periodInMinutes: 1 });
      void upkeep.expireDue().then(() => Promise.all([upkeep.reconcileStale(), upkeep.retryPendingRegistrations()]));
    },
  };
}
