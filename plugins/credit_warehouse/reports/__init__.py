"""What people read besides the marts: the night report (HTML with charts) and the subject credit report."""
