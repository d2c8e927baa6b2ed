"""/healthz: whether the site can serve, for the proxy, the service manager and a monitor."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ops.models import WorkerHeartbeat


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a task worker's heartbeat is younger than
    WORKER_STALE_SECONDS; 503 with the reason otherwise. No personal data, no sign-in; it never
    reads the session (no cookie is set), and it is exempt from the HTTPS redirect (settings)."""
    database = "ok"
    last_heartbeat = None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last_heartbeat = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except DatabaseError:
        database = "error"
    age = None if last_heartbeat is None else max(0, int((timezone.now() - last_heartbeat).total_seconds()))
    body: dict[str, object] = {
        "status": "ok",
        "database": database,
        "worker": {"last_heartbeat": last_heartbeat.isoformat() if last_heartbeat else None, "age_seconds": age},
    }
    if database == "error":
        reason = "The database does not answer."
    elif age is None:
        reason = "No task worker has ever reported (is `manage.py worker` running?)."
    elif age >= settings.WORKER_STALE_SECONDS:
        reason = f"The task worker's last heartbeat is {age} s old (more than {settings.WORKER_STALE_SECONDS} s)."
    else:
        return JsonResponse(body)
    body["status"] = "unavailable"
    body["reason"] = reason
    return JsonResponse(body, status=503)
