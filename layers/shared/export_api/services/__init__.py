"""Business rules: the job lifecycle, item updates, export items. No AWS calls here."""
