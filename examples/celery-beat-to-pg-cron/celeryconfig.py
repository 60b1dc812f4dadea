# The factory app's Celery beat schedule (seed scenario 000): what moves to
# pg_cron.  A plain configuration module, read by cron-convert as literals.
from celery.schedules import crontab
from datetime import timedelta

timezone = 'UTC'

beat_schedule = {
    # the daily OEE report, at 6:00
    'daily-oee-report': {
        'task': 'reports.tasks.calculate_daily_oee',
        'schedule': crontab(hour=6, minute=0),
    },
    # inventory alerts, every 5 minutes
    'inventory-alerts': {
        'task': 'inventory.tasks.check_inventory_alerts',
        'schedule': timedelta(minutes=5),
        'options': {'queue': 'email_notifications'},
    },
    # preventive-maintenance work orders, at 6:00
    'pm-work-orders': {
        'task': 'maintenance.tasks.generate_pm_work_orders',
        'schedule': crontab(hour=6, minute=0),
        'options': {'queue': 'background_jobs'},
    },
}
