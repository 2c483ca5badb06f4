"""Seed the two-level industry taxonomy that mini programs choose from (leaves only).

The data is frozen here on purpose: a later change to the list is a new migration, so every
database, old or new, ends with the same codes.
"""

from django.db import migrations

TAXONOMY = (
    (
        "food-beverage",
        "Food & Beverage",
        (
            ("restaurants", "Restaurants"),
            ("fast-food", "Fast food & quick service"),
            ("coffee-tea", "Coffee & tea"),
            ("bakery-desserts", "Bakery & desserts"),
            ("food-delivery", "Food delivery"),
            ("grocery", "Grocery & fresh food"),
        ),
    ),
    (
        "retail",
        "Retail & E-commerce",
        (
            ("general-merchandise", "General merchandise"),
            ("fashion-apparel", "Fashion & apparel"),
            ("beauty-personal-care", "Beauty & personal care"),
            ("electronics", "Consumer electronics"),
            ("home-furniture", "Home & furniture"),
            ("convenience-stores", "Convenience stores"),
            ("department-stores", "Department stores & malls"),
            ("second-hand", "Second-hand & resale"),
        ),
    ),
    (
        "travel",
        "Travel & Hospitality",
        (
            ("airlines", "Airlines"),
            ("hotels", "Hotels & accommodation"),
            ("travel-agencies", "Travel agencies & tours"),
            ("attractions", "Attractions & tickets"),
            ("car-rental", "Car rental"),
        ),
    ),
    (
        "transport",
        "Transport & Mobility",
        (
            ("ride-hailing", "Ride-hailing & taxi"),
            ("public-transit", "Public transit"),
            ("bike-scooter-sharing", "Bike & scooter sharing"),
            ("parking", "Parking"),
            ("ev-charging", "EV charging & fuel"),
            ("logistics", "Logistics & courier"),
        ),
    ),
    (
        "financial-services",
        "Financial Services",
        (
            ("banking", "Banking"),
            ("insurance", "Insurance"),
            ("wealth-management", "Wealth management & investing"),
            ("consumer-credit", "Consumer credit"),
            ("remittance", "Remittance & currency exchange"),
            ("bill-payment", "Bill payment"),
        ),
    ),
    (
        "lifestyle",
        "Lifestyle Services",
        (
            ("home-services", "Home services & repairs"),
            ("laundry", "Laundry & dry cleaning"),
            ("beauty-salons", "Beauty salons & spas"),
            ("fitness", "Fitness & sports"),
            ("pets", "Pet services"),
            ("wedding-events", "Weddings & events"),
        ),
    ),
    (
        "entertainment",
        "Entertainment & Media",
        (
            ("movies-shows", "Movies & shows"),
            ("music-audio", "Music & audio"),
            ("games", "Casual games"),
            ("news", "News & magazines"),
            ("video", "Video & live streaming"),
            ("books", "Books & reading"),
        ),
    ),
    (
        "education",
        "Education",
        (
            ("k12", "Schools (K-12)"),
            ("higher-education", "Higher education"),
            ("language-learning", "Language learning"),
            ("vocational-training", "Vocational training"),
            ("tutoring", "Tutoring"),
        ),
    ),
    (
        "healthcare",
        "Healthcare",
        (
            ("hospitals-clinics", "Hospitals & clinics"),
            ("pharmacies", "Pharmacies"),
            ("telemedicine", "Telemedicine"),
            ("health-insurance-claims", "Health insurance claims"),
            ("wellness", "Wellness & mental health"),
        ),
    ),
    (
        "government",
        "Government & Public Services",
        (
            ("civic-services", "Civic services & permits"),
            ("tax-utilities", "Taxes & utilities"),
            ("social-security", "Social security"),
            ("police-emergency", "Police & emergency"),
        ),
    ),
    (
        "telecom-utilities",
        "Telecom & Utilities",
        (
            ("mobile-top-up", "Mobile top-up & data"),
            ("broadband", "Broadband & TV"),
            ("electricity-water-gas", "Electricity, water & gas"),
        ),
    ),
    (
        "real-estate",
        "Real Estate",
        (
            ("rentals", "Rentals"),
            ("property-sales", "Property sales"),
            ("property-management", "Property management"),
        ),
    ),
    (
        "automotive",
        "Automotive",
        (
            ("car-sales", "Car sales"),
            ("car-maintenance", "Maintenance & repair"),
            ("car-insurance", "Car insurance"),
        ),
    ),
    (
        "charity",
        "Charity & Non-profit",
        (
            ("donations", "Donations"),
            ("volunteering", "Volunteering"),
        ),
    ),
    (
        "tools",
        "Tools & Utilities",
        (
            ("productivity", "Productivity"),
            ("weather", "Weather"),
            ("maps-navigation", "Maps & navigation"),
            ("other-tools", "Other tools"),
        ),
    ),
)


def seed(apps, schema_editor):
    Industry = apps.get_model("miniprograms", "Industry")
    for top_position, (code, name, children) in enumerate(TAXONOMY):
        parent, _ = Industry.objects.update_or_create(
            code=code, defaults={"name": name, "parent": None, "position": top_position}
        )
        for position, (child_code, child_name) in enumerate(children):
            Industry.objects.update_or_create(
                code=child_code,
                defaults={"name": child_name, "parent": parent, "position": position},
            )


def unseed(apps, schema_editor):
    Industry = apps.get_model("miniprograms", "Industry")
    Industry.objects.filter(parent__isnull=False).delete()
    Industry.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("miniprograms", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
