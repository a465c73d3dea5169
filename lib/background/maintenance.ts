import type { SessionRecord } from '../sessions/types';
import type { WalletService } from './service';

export interface AlarmPorts {
  create(name: string, info: { when?: number; periodInMinutes?: number }): Promise<void> | void;
}

const MAINTENANCE_ALARM = 'x402:maintenance';
const EXPIRY_ALARM_PREFIX = 'x402:expire:';

/**
 * The background's clockwork: a minute alarm for upkeep, one alarm per session expiry, and the
 * catch-up a freshly started worker owes (a worker that died mid-payment left reservations behind).
 */
export function createMaintenance(alarms: AlarmPorts, service: WalletService) {
  const { upkeep, audit, allowances } = service;
  return {
    scheduleExpiry(session: SessionRecord): void {
      void alarms.create(`${EXPIRY_ALARM_PREFIX}${session.id}`, { when: session.expiresAt * 1000 + 500 });
    },
    onAlarm(alarm: { name: string }): void {
      if (alarm.name !== MAINTENANCE_ALARM && !alarm.name.startsWith(EXPIRY_ALARM_PREFIX)) return;
      void upkeep.expireDue();
      if (alarm.name === MAINTENANCE_ALARM) {
        void upkeep.reconcileStale();
        void upkeep.reconcileActive();
        void allowances.checkPaused();
        void upkeep.retryPendingRegistrations();
        void audit.prune();
      }
    },
    start(): void {
      void alarms.create(MAINTENANCE_ALARM, { periodInMinutes: 1 });
      void upkeep.expireDue().then(() => Promise.all([upkeep.reconcileStale(), upkeep.retryPendingRegistrations()]));
    },
  };
}
