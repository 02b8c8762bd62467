import { CommandType, EventType } from './proto';

const camel = (s: string) => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The HistoryEvent field holding a given event type's attributes, e.g. timerFiredEventAttributes. */
export const eventAttributesKey = (type: number): string =>
  camel(EventType[type].replace(/^EVENT_TYPE_/, '')) + 'EventAttributes';

/** The Command field holding a given command type's attributes. */
export const commandAttributesKey = (type: number): string =>
  camel(CommandType[type].replace(/^COMMAND_TYPE_/, '')) + 'CommandAttributes';
