"""Personal data protection: the resident-ID vault and access auditing."""
