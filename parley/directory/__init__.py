"""Who is who: registering orders and parties, minting aliases."""
