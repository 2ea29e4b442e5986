"""Nutritionist referrals and the directory of compounding pharmacies, prescribers and
nutritionists."""
