"""The grid worker's offline web app: an installable app shell (manifest and service worker from the site's own
origin) that keeps the worker's day on the phone, captures arrivals, health checks, status changes, follow-up
results and task completions with no network, and sends them later exactly once.

- `models`: the phone (Device) and each write it sent that was applied (SyncedWrite: its idempotency key).
- `selectors.snapshot_for`: the day the phone keeps, in the worker's scope, masked as the pages mask it.
- `services.sync_apply`: the queued writes applied in order per person, each once; conflicts and refusals
  answered with their reason, never applied half.
- `api`: /api/offline/… (device, snapshot, sync); `views`: the app shell, its manifest and service worker.
"""
