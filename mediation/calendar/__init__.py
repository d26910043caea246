"""Calendars: secret iCalendar feeds and iMIP email invites for published hearings."""
