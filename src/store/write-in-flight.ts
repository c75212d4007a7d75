/**
 * SQL condition on a conversations row: a write to its case started recently
 * and has not recorded its result yet. Such a write reads what comes next as it
 * finishes, so events stored meanwhile need no signal. One that started long
 * ago may be a lost attempt (attempts time out after 90 s; most take under a
 * second), so after WRITE_IN_FLIGHT_SECONDS events are signalled as usual.
 */
const WRITE_IN_FLIGHT_SECONDS = 30;
export const WRITE_IN_FLIGHT_SQL = `(write_started_at IS NOT NULL AND write_started_at > now() - interval '${WRITE_IN_FLIGHT_SECONDS} seconds')`;
