"""Landing pages: the staff dashboard shaped by role, and the patient portal's home."""
