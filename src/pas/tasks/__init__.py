"""The updater: jobs, scheduler, leader lock."""
