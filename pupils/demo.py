"""Demo pupils: class groups, pupils with SEN profiles, contacts, key adults and caseloads.

Run through ``manage.py seed_demo`` after ``accounts.demo`` (which made the schools and staff).
Pupils and contacts are built with the factories and saved with ``bulk_create`` (thousands per
school); caseloads go through ``pupils.services.set_caseload``. All text comes from the small
phrase banks below; names are invented (surnames from Faker en_GB, first names from lists of
names common among English pupils of each heritage).
"""

import datetime
import unicodedata
from collections import defaultdict

from accounts.models import Role
from sendsupport.demo import ACADEMIC_YEAR_START, DemoContext, DemoSchool, class_layout

from .factories import ClassGroupFactory, ContactFactory, PupilFactory
from .models import Communication, Contact, KeyAdult, Pupil, SENStatus
from .services import set_caseload
from .upn import make_upn

# --- Names ----------------------------------------------------------------------------------
# heritage: (weight, boys, girls, surnames or None for Faker en_GB surnames)
HERITAGES = {
    "british": (64, [
        "Oliver", "Harry", "George", "Noah", "Jack", "Leo", "Arthur", "Oscar", "Charlie", "Jacob", "Freddie",
        "Frederick", "Alfie", "Theo", "Theodore", "Henry", "Archie", "Thomas", "Joshua", "William", "James",
        "Isaac", "Lucas", "Max", "Ethan", "Logan", "Mason", "Riley", "Finley", "Teddy", "Edward", "Alexander",
        "Daniel", "Samuel", "Joseph", "Harrison", "Tyler", "Jayden", "Kai", "Dylan", "Lewis", "Callum",
        "Ellis", "Rory", "Louie", "Tommy", "Elijah", "Albie", "Ronnie", "Reggie", "Jenson", "Harvey",
    ], [
        "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace", "Freya",
        "Florence", "Evie", "Poppy", "Emily", "Ella", "Willow", "Rosie", "Sophie", "Daisy", "Ruby", "Phoebe",
        "Millie", "Chloe", "Jessica", "Evelyn", "Harper", "Matilda", "Scarlett", "Erin", "Maisie", "Lola",
        "Elizabeth", "Charlotte", "Eleanor", "Esme", "Layla", "Elsie", "Imogen", "Niamh", "Megan", "Holly",
        "Lexi", "Gracie", "Alice", "Eliza", "Summer", "Darcie", "Hollie", "Ellie-Mae",
    ], None),
    "caribbean": (3, ["Tyrese", "Jayden", "Malachi", "Kyrie", "Josiah", "Marcus", "Nathaniel", "Reuben"],
                  ["Nia", "Imani", "Tianna", "Aaliyah", "Kiara", "Jada", "Serena", "Renee"],
                  ["Campbell", "Brown", "Williams", "Clarke", "Thompson", "Grant", "Francis", "Bailey", "Reid",
                   "Gordon", "Henry", "Stewart", "Samuels", "Morgan"]),
    "pakistani": (9, ["Muhammad", "Mohammed", "Ayaan", "Zayn", "Ibrahim", "Hamza", "Yusuf", "Rayyan",
                      "Zakariya", "Abdullah", "Haris", "Bilal", "Umar", "Musa", "Ali", "Hassan", "Idris", "Arham"],
                  ["Aisha", "Maryam", "Zara", "Hafsa", "Inaaya", "Hania", "Khadija", "Fatima", "Eman", "Aleena",
                   "Safa", "Mahnoor", "Anaya", "Noor", "Amna", "Hira"],
                  ["Khan", "Hussain", "Ahmed", "Akhtar", "Iqbal", "Mahmood", "Ali", "Shah", "Butt", "Rashid",
                   "Malik", "Riaz", "Javed", "Aslam", "Anwar", "Qureshi", "Chaudhry"]),
    "indian": (4, ["Arjun", "Aarav", "Rohan", "Dev", "Veer", "Krish", "Ishaan", "Harjot", "Gurveer", "Aryan",
                   "Kabir", "Neel", "Sai", "Jai"],
               ["Priya", "Anaya", "Diya", "Simran", "Jasleen", "Aanya", "Isha", "Riya", "Saanvi", "Navneet",
                "Kiran", "Amrit", "Tara"],
               ["Patel", "Singh", "Sharma", "Gill", "Sandhu", "Mistry", "Chauhan", "Kumar", "Parmar", "Bains",
                "Dhillon", "Johal", "Kaur"]),
    "bangladeshi": (2, ["Mohammed", "Rahim", "Tahmid", "Ayan", "Raiyan", "Sami", "Arif", "Ishaq"],
                    ["Tasnim", "Sumaiya", "Nusrat", "Afia", "Raisa", "Safiya", "Mariam"],
                    ["Rahman", "Miah", "Begum", "Uddin", "Islam", "Hoque", "Chowdhury", "Alam"]),
    "west_african": (4, ["David", "Daniel", "Samuel", "Emmanuel", "Joshua", "Oluwatobi", "Oluwaseun", "Kwame",
                         "Kofi", "Chidi", "Tunde", "Ebuka", "Kelechi", "Jeremiah", "Micah"],
                     ["Favour", "Blessing", "Precious", "Esther", "Adaeze", "Amara", "Chioma", "Ama", "Abena",
                      "Tolu", "Deborah", "Ifeoma", "Temi", "Adwoa"],
                     ["Okafor", "Adeyemi", "Mensah", "Boateng", "Owusu", "Okoro", "Adebayo", "Nwosu", "Asante",
                      "Oladipo", "Eze", "Osei", "Ogunleye", "Afolabi"]),
    "east_african": (2, ["Abdirahman", "Mohamed", "Abdi", "Hassan", "Yahya", "Omar", "Liban", "Bilal"],
                     ["Hodan", "Fadumo", "Hamdi", "Sagal", "Nasra", "Ikran", "Ayan", "Hibo"],
                     ["Abdi", "Ali", "Hassan", "Mohamed", "Farah", "Warsame", "Jama", "Osman", "Ismail", "Yusuf"]),
    "polish": (4, ["Jakub", "Szymon", "Filip", "Kacper", "Antoni", "Mikołaj", "Jan", "Oliwer", "Wiktor",
                   "Igor", "Bartosz"],
               ["Zuzanna", "Julia", "Maja", "Lena", "Oliwia", "Zofia", "Hanna", "Natalia", "Wiktoria", "Alicja"],
               ["Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek",
                "Dudek", "Adamczyk", "Pawlak", "Walczak", "Sikora", "Baran"]),
    "romanian": (3, ["Andrei", "Stefan", "David", "Luca", "Matei", "Alexandru", "Gabriel", "Darius", "Rares"],
                 ["Maria", "Ioana", "Elena", "Sofia", "Bianca", "Daria", "Ana", "Alexia", "Andreea"],
                 ["Popescu", "Ionescu", "Popa", "Constantin", "Dumitru", "Stan", "Stoica", "Gheorghe", "Rusu",
                  "Munteanu", "Lungu"]),
    "arabic": (2, ["Omar", "Adam", "Yousef", "Karim", "Ahmad", "Hadi", "Sami", "Rami", "Zain"],
               ["Lana", "Sara", "Rahaf", "Layan", "Jana", "Aya", "Nour", "Hala"],
               ["Al-Hassan", "Haddad", "Khalil", "Saleh", "Mustafa", "Ibrahim", "Darwish", "Nasser", "Kareem"]),
    "chinese": (1, ["Ethan", "Jason", "Ryan", "Kai", "Wei", "Jun", "Hao"],
                ["Chloe", "Grace", "Mei", "Emily", "Lin", "Ying"],
                ["Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Cheung", "Lam", "Ng", "Huang"]),
    "turkish": (1, ["Emir", "Yusuf", "Mert", "Deniz", "Kerem", "Baran", "Aras"],
                ["Elif", "Zeynep", "Defne", "Ayla", "Meryem", "Ece"],
                ["Yilmaz", "Kaya", "Demir", "Celik", "Aydin", "Ozturk", "Arslan", "Dogan"]),
}
HERITAGE_NAMES = list(HERITAGES)
HERITAGE_WEIGHTS = [HERITAGES[h][0] for h in HERITAGE_NAMES]

NICKNAMES = {
    "Alexander": "Alex", "William": "Will", "Thomas": "Tom", "Joshua": "Josh", "Samuel": "Sam", "Joseph": "Joe",
    "James": "Jamie", "Oliver": "Ollie", "Frederick": "Freddie", "Theodore": "Theo", "Edward": "Ted",
    "Daniel": "Danny", "Harrison": "Harry", "Isabella": "Bella", "Elizabeth": "Libby", "Charlotte": "Lottie",
    "Matilda": "Tilly", "Jessica": "Jess", "Florence": "Flo", "Eleanor": "Ellie", "Muhammad": "Mo",
    "Mohammed": "Mo", "Abdirahman": "Abdi", "Zakariya": "Zak", "Oluwatobi": "Tobi", "Oluwaseun": "Seun",
    "Adaeze": "Ada", "Ifeoma": "Ify", "Wiktoria": "Vicky", "Alexandru": "Alex", "Mikołaj": "Mikey",
    "Abdullah": "Abdul", "Zuzanna": "Zuzia", "Emmanuel": "Manny", "Nathaniel": "Nate", "Gabriel": "Gabe",
}

# --- SEN status and need --------------------------------------------------------------------
# A SEND-focused demo: more SEN than the national picture (about 5% EHCP, 14% SEN support).
STATUS_SHARE = {SENStatus.EHCP: 0.15, SENStatus.SEN_SUPPORT: 0.45}

# Primary need weights, shaped on DfE "Special educational needs in England" for mainstream schools
# (approximate): SLCN leads at SEN support in primary, SEMH and SpLD in secondary; autism leads
# among EHCPs. NSA is used with SEN support only.
NEED_WEIGHTS = {
    ("K", "primary"): {"SLCN": 30, "SEMH": 18, "MLD": 12, "ASD": 10, "SPLD": 8, "NSA": 6, "OTH": 4, "PD": 3,
                       "HI": 2, "VI": 1, "SLD": 1, "MSI": 0.3},
    ("K", "secondary"): {"SEMH": 26, "SPLD": 20, "SLCN": 14, "MLD": 14, "ASD": 11, "NSA": 4, "OTH": 4, "PD": 3,
                         "HI": 2, "VI": 1, "SLD": 0.5, "MSI": 0.3},
    ("E", "primary"): {"ASD": 34, "SLCN": 22, "SEMH": 12, "SLD": 8, "MLD": 8, "PD": 5, "SPLD": 2, "PMLD": 2,
                       "HI": 2, "OTH": 2, "VI": 1, "MSI": 0.5},
    ("E", "secondary"): {"ASD": 38, "SEMH": 20, "MLD": 11, "SLCN": 10, "SLD": 5, "SPLD": 5, "PD": 4, "HI": 2,
                         "OTH": 2, "PMLD": 1, "VI": 1, "MSI": 0.5},
}
SECONDARY_NEEDS = {
    "ASD": ["SLCN", "SEMH", "SEMH", "MLD", "SPLD"], "SLCN": ["SEMH", "MLD", "ASD", "SPLD"],
    "SEMH": ["SLCN", "SPLD", "ASD", "MLD"], "SPLD": ["SEMH", "SLCN"], "MLD": ["SLCN", "SEMH", "PD"],
    "SLD": ["ASD", "PD", "SLCN", "VI"], "PMLD": ["PD", "VI", "MSI", "HI"], "PD": ["MLD", "SLCN", "SEMH"],
    "HI": ["SLCN", "MLD"], "VI": ["MLD", "PD"], "MSI": ["SLD", "PD"], "OTH": ["SEMH", "MLD", "SLCN"],
}

DIAGNOSES = {
    "ASD": ["Autism (diagnosed {year}, community paediatrics).", "Autism and ADHD (combined type).",
            "Autism; ADHD assessment pending.", "Autism (diagnosed {year}); demand-avoidant profile noted by the EP.",
            "On the waiting list for an autism assessment (referred {year})."],
    "SLCN": ["Developmental language disorder (speech and language therapy report, {year}).",
             "Speech sound disorder; under NHS speech and language therapy.", "Selective mutism.",
             "Stammer; under NHS speech and language therapy.", "Receptive and expressive language delay."],
    "SEMH": ["ADHD (combined type); medication given at home.", "Anxiety; under CAMHS since {year}.",
             "Attachment difficulties (previously looked after).", "No formal diagnosis; early help plan in place.",
             "Emotionally based school avoidance; part-time timetable reviewed half-termly.",
             "ADHD (inattentive type), diagnosed {year}."],
    "SPLD": ["Dyslexia (specialist teacher assessment, {year}).", "Dyscalculia.",
             "Developmental coordination disorder (dyspraxia).", "Dyslexia and dyspraxia.",
             "Dyslexic profile; formal assessment not yet done."],
    "MLD": ["No formal diagnosis; cognitive assessment by the educational psychologist, {year}.",
            "Global developmental delay in early years, now moderate learning difficulty."],
    "SLD": ["Down syndrome.", "Global developmental delay.", "Fragile X syndrome.",
            "Rare chromosome deletion; genetics team involved."],
    "PMLD": ["Cerebral palsy (four-limb) with profound learning disability; epilepsy.", "Rett syndrome."],
    "VI": ["Nystagmus.", "Cerebral visual impairment.", "Albinism with low vision.",
           "Registered severely sight impaired; QTVI visits termly."],
    "HI": ["Bilateral moderate hearing loss; wears hearing aids.", "Profound deafness; bilateral cochlear implants.",
           "Glue ear; grommets fitted {year}.", "Unilateral hearing loss (right ear)."],
    "MSI": ["CHARGE syndrome (hearing and vision impairment).", "Usher syndrome."],
    "PD": ["Cerebral palsy (right hemiplegia).", "Duchenne muscular dystrophy.", "Spina bifida; uses a wheelchair.",
           "Juvenile idiopathic arthritis.", "Hypermobility (Ehlers-Danlos syndrome)."],
    "OTH": ["Fetal alcohol spectrum disorder (FASD).", "Tourette syndrome.", "Acquired brain injury ({year}).",
            "Chronic fatigue (ME/CFS); reduced timetable when unwell."],
}

COMMUNICATION_NOTES = {
    "speech": ["Give one instruction at a time and allow ten seconds' processing time.",
               "Understands more than can say: check understanding by asking to show rather than tell.",
               "Use the pupil's name first to get attention, then the instruction.",
               "Talks readily about favourite topics; finds group discussion hard to follow.",
               "Literal understanding: avoid sarcasm and idioms (\"pull your socks up\").",
               "Needs key vocabulary pre-taught before a new topic."],
    "pecs": ["Uses PECS (phase 4, sentence strip \"I want...\"); the book lives in the blue bag.",
             "Uses PECS for requests and a symbol now/next board for the day."],
    "makaton": ["Uses Makaton signs alongside speech: sign key words (finish, toilet, help, break).",
                "Signs more than speaks when anxious; staff to sign back."],
    "aac": ["Uses a speech-generating app on an iPad: keep it charged and within reach at all times.",
            "Uses an eye-gaze device for choices: give time and model on the device."],
    "other": ["Objects of reference for transitions (spoon for lunch, towel for swimming).",
              "Uses British Sign Language; communication support worker in lessons.",
              "On-body signing for changes of activity; approach from the same side each time."],
}
HI_NOTES = ["Radio aid: the teacher wears the transmitter; switch it off in private conversations.",
            "Sit facing the speaker, away from background noise; check hearing aids each morning."]
VI_NOTES = ["Enlarged print (N24) and high-contrast resources; sits near the board.",
            "Describe what is happening; say who you are when approaching."]

SENSORY = {
    "general": ["Sensitive to noise: ear defenders on the peg for assemblies and the hall.",
                "Seeks movement: needs a movement break every 20-30 minutes.",
                "Finds bright lights and busy displays hard; sits away from the window.",
                "Finds the dining hall overwhelming at peak time; eats in the first sitting.",
                "Fiddles constantly; a fidget or putty helps concentration.",
                "Tags and seams bother; uniform adjustments agreed with parents."],
    "asd": ["Dislikes light touch: say before touching; firm pressure is better tolerated.",
            "Chews clothing when anxious; chewellery offered.",
            "Seeks deep pressure: weighted lap pad available.",
            "Avoids strong smells; may refuse to enter the dining hall.",
            "Under-responsive to pain: check carefully after falls.",
            "Seeks visual stimulation (spinning objects, lights); builds this into breaks."],
    "physical": ["Tires quickly; rest breaks planned into the afternoon.",
                 "Needs extra space to move around the classroom safely.",
                 "Uses a writing slope and pencil grip."],
}

TRIGGERS = {
    "general": ["Unexpected changes to routine, especially a supply teacher.", "Loud, echoing spaces (hall, dining hall).",
                "Transitions between activities, especially away from a preferred one.", "Waiting in a queue.",
                "Losing at games.", "Unstructured time at break and lunch.", "Tiredness and hunger late in the morning.",
                "Being rushed."],
    "older": ["Feeling singled out in front of peers.", "Reading aloud in class.",
              "Written tasks without a model or writing frame."],
    "asd": ["Being touched unexpectedly.", "Fire alarms and the hand dryers in the toilets.",
            "Changes to the seating plan.", "Not knowing what happens next.", "Crowded corridors."],
    "semh": ["Being told \"no\" without a reason.", "Disputes with peers carried over from break.",
             "Hearing a raised voice, even when not aimed at them.", "Perceived unfairness in sanctions.",
             "Mentions of home or family in class discussion."],
}
WARNING_SIGNS = ["Goes quiet and pulls hood or jumper over face.", "Hums or repeats phrases more loudly.",
                 "Rocks on the chair or taps the table.", "Flushed face, clenched fists.",
                 "Talks faster and louder; laughs at the wrong moment.", "Leaves seat and walks around the room.",
                 "Refuses to answer or turns away.", "Puts head on the desk.",
                 "Asks repeatedly what is happening next.", "Scribbles over work or rips paper.",
                 "Hands over ears.", "Paces near the door."]
OLDER_WARNING_SIGNS = ["Swearing under breath.", "Puts headphones in and stops responding.",
                       "Asks to go to the toilet repeatedly."]
WHAT_HELPS = {
    "general": ["Calm, low voice and few words; give time.", "Offer a choice of two (\"here or at the quiet table?\").",
                "Movement break: take a message to the office.", "Pre-warn before transitions (five minutes, then one).",
                "Named adult to check in at the start of the day.", "Praise quietly, not in front of the class.",
                "Chunk tasks into small steps with a checklist.", "A drink of water and a brain break.",
                "Sit at the end of the row, near the door."],
    "asd": ["Visual timetable; show changes in advance with a \"change\" card.", "Now and next board.",
            "Time-out card to the agreed calm space (sensory room).", "Ear defenders in noisy spaces.",
            "Distraction with a favourite topic."],
    "semh": ["Time-out card to the agreed calm space.", "Restorative chat once calm, not before.",
             "A job with responsibility (register to the office, setting up the hall).",
             "Key adult check-in after break and lunch."],
    "learning": ["Writing frame, word bank and coloured overlay.", "Pre-teach vocabulary; concrete resources in maths.",
                 "Reader and scribe for longer written tasks."],
    "early_learning": ["Short adult-led tasks with real objects and pictures.", "Pre-teach new words with pictures.",
                       "Model the task first (\"my turn, your turn\")."],
}
STRENGTHS = {
    "early": ["Loves action songs and nursery rhymes.", "Kind to friends; shares toys.", "Great at jigsaws.",
              "Loves painting and messy play.", "Knows the names of lots of dinosaurs.",
              "Builds tall towers with blocks and Duplo.", "Joins in with stories that have a repeated refrain.",
              "Great sense of humour.", "Loves animals.", "Confident on the climbing frame."],
    "junior": ["Brilliant memory for facts about dinosaurs.", "Kind to younger children; a good playground buddy.",
                "Builds amazing Lego models from the instructions.", "Strong at number patterns.",
                "Enthusiastic footballer; plays for a local junior team.", "Creative: draws comics.",
                "Knows every train on the local line.", "Great sense of humour.", "Confident on the computer; loves Scratch.",
                "Loves animals; helps look after the class guinea pigs.", "Sings in the school choir."],
    "secondary": ["Talented artist (manga-style drawing).", "Strong in science practicals.", "Plays guitar.",
                  "Codes in Python at home.", "A loyal friend.", "Excellent in food technology.",
                  "Goes to boxing club twice a week.", "Knows everything about Formula 1.",
                  "Good at fixing things; enjoys DT.", "Reads fantasy novels.", "Street dance club.",
                  "Plays rugby league for a local club."],
}
LIKES = {
    "early": ["bubbles", "trains", "dinosaurs", "sand and water play", "Bluey", "the trampoline", "Duplo", "animals",
              "songs", "being outside", "the swings", "cars", "playdough", "stickers"],
    "junior": ["Minecraft", "Pokémon cards", "trains", "being a helper", "Lego", "drawing", "swimming", "football",
                "dinosaurs", "space and planets", "dogs", "sharks", "Bluey", "baking", "the trampoline", "bubbles"],
    "secondary": ["gaming with friends", "football", "music through headphones", "drawing", "cooking", "YouTube",
                  "Formula 1", "skateboarding", "anime", "animals", "the gym", "the library at lunch", "rugby league"],
}
DISLIKES = ["loud noises", "hand dryers", "being rushed", "crowded corridors", "long writing tasks", "messy play",
            "wet play", "changes to the seating plan", "being touched", "certain food textures",
            "PE changing rooms", "losing", "fire alarms", "assemblies", "supply teachers", "group work"]

MEDICAL = ["Asthma: blue inhaler (salbutamol) in the class medical bag; take it on trips.",
           "Epilepsy: see the individual healthcare plan; buccal midazolam in the office, trained staff only.",
           "Type 1 diabetes: insulin pump; check blood glucose before break, lunch and PE; hypo kit in class.",
           "Eczema: emollient before PE and swimming.",
           "Sickle cell disease: keep warm and well hydrated; water available at all times.",
           "Heart condition: no competitive sport; see the healthcare plan.",
           "Coeliac disease: gluten-free meals.",
           "Migraines: may need to rest in a dark room; paracetamol with parental consent."]
ALLERGIES = ["Peanuts and tree nuts (anaphylaxis)", "Egg", "Cow's milk protein", "Sesame", "Penicillin",
             "Wasp and bee stings", "Kiwi fruit", "Latex", "Fish and shellfish", "Adhesive plasters"]
ANAPHYLAXIS = "Anaphylaxis: two adrenaline auto-injectors, one in the classroom and one in the office."


# --- Seeding --------------------------------------------------------------------------------
def seed(ctx: DemoContext) -> None:
    upns = UpnAllocator()
    for school in ctx.schools:
        spec = ctx.spec(school)
        classes = _class_groups(school, spec, ctx.pupils_per_school)
        pupils = _pupils(ctx, school, spec, classes, upns)
        ctx.pupils[school] = pupils
        _contacts(ctx, spec, pupils)
        caseloads = _caseloads(ctx, school, classes, pupils)
        _key_adults(ctx, school, pupils, caseloads)
        ctx.log(f"  {school.name}: {len(pupils)} pupils in {len(classes)} classes")


class UpnAllocator:
    """Unique UPNs: each (LA, establishment, year) hands out serials 001-999, as schools do."""

    def __init__(self):
        self.last = defaultdict(int)

    def allocate(self, la: int, establishment: int, year: int) -> str:
        while True:
            key = (la, establishment, year % 100)
            if self.last[key] < 999:
                self.last[key] += 1
                return make_upn(la, establishment, year, self.last[key])
            establishment += 1  # this school has run out of serials: another one allocated it


def _class_groups(school, spec: DemoSchool, n: int) -> list[tuple]:
    """[(ClassGroup, pupils in it)] in layout order (the order teachers were created in)."""
    out = []
    for year, count, names in class_layout(spec, n):
        for k, name in enumerate(names):
            size = count // len(names) + (1 if k < count % len(names) else 0)
            out.append((ClassGroupFactory(school=school, name=name, year_group=year), size))
    return out


def _pupils(ctx: DemoContext, school, spec: DemoSchool, classes, upns: UpnAllocator) -> list[Pupil]:
    rng = ctx.rng
    total = sum(size for _, size in classes)
    n_e = round(total * STATUS_SHARE[SENStatus.EHCP])
    n_k = round(total * STATUS_SHARE[SENStatus.SEN_SUPPORT])
    statuses = [SENStatus.EHCP] * n_e + [SENStatus.SEN_SUPPORT] * n_k + [SENStatus.NONE] * (total - n_e - n_k)
    rng.shuffle(statuses)
    # UPNs are allocated where a child first starts school: a secondary's pupils bring theirs
    # from the LA's primaries; some pupils moved in from other LAs.
    feeders = [spec.establishment] if spec.phase == "primary" else sorted(rng.sample(range(2001, 2400), 6))
    other_las = [380, 381, 382, 383, 384, 352, 373, 330, 886, 850]

    pupils = []
    for group, size in classes:
        for _ in range(size):
            status = statuses.pop()
            year = group.year_group
            entry = ACADEMIC_YEAR_START.year - year  # the September they started Reception
            if rng.random() < 0.85:
                upn = upns.allocate(spec.la_code, rng.choice(feeders), entry)
            else:
                arrived = entry if rng.random() < 0.7 else rng.randint(entry, ACADEMIC_YEAR_START.year)
                upn = upns.allocate(rng.choice(other_las), rng.randint(2001, 2999), arrived)
            heritage = rng.choices(HERITAGE_NAMES, HERITAGE_WEIGHTS)[0]
            _, boys, girls, surnames = HERITAGES[heritage]
            first = rng.choice(boys if rng.random() < 0.5 else girls)
            last = rng.choice(surnames) if surnames else ctx.fake.last_name()
            preferred = NICKNAMES[first] if first in NICKNAMES and rng.random() < 0.45 else ""
            profile = _profile(ctx, spec, status, year) if status != SENStatus.NONE else {}
            profile.update(_medical(ctx, profile.get("primary_need", "")))
            pupil = PupilFactory.build(
                school=school, legal_first_name=first, legal_last_name=last, preferred_name=preferred,
                date_of_birth=_date_of_birth(ctx, year), upn=upn, year_group=year, class_group=group,
                sen_status=status, photo_consent=rng.random() < 0.8,
                **{"primary_need": "", "what_helps": "", "known_triggers": "", **profile},
            )
            pupil._heritage = heritage  # for the contacts' names; not saved
            pupils.append(pupil)
    Pupil.objects.bulk_create(pupils, batch_size=1000)
    return pupils


def _date_of_birth(ctx, year_group: int) -> datetime.date:
    """English school years run September to August: Reception in 2026-27 were born 1 Sep 2021 - 31 Aug 2022."""
    start = datetime.date(ACADEMIC_YEAR_START.year - 5 - year_group, 9, 1)
    end = datetime.date(ACADEMIC_YEAR_START.year - 4 - year_group, 8, 31)
    return start + datetime.timedelta(days=ctx.rng.randint(0, (end - start).days))


def _weighted(rng, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _some(rng, bank: list, low: int, high: int) -> list:
    return rng.sample(bank, min(len(bank), rng.randint(low, high)))


def _profile(ctx: DemoContext, spec: DemoSchool, status: str, year_group: int) -> dict:
    rng = ctx.rng
    ehcp = status == SENStatus.EHCP
    need = _weighted(rng, NEED_WEIGHTS[(status, spec.phase)])
    second = ""
    if need in SECONDARY_NEEDS and rng.random() < (0.55 if ehcp else 0.3):
        second = rng.choice(SECONDARY_NEEDS[need])
    needs = {need, second}
    born = ACADEMIC_YEAR_START.year - 5 - year_group
    age = "secondary" if year_group >= 7 else "junior" if year_group >= 3 else "early"

    diagnoses = []
    for n in (need, second):
        if n in DIAGNOSES and (ehcp or rng.random() < 0.6):
            text = rng.choice(DIAGNOSES[n])
            diagnoses.append(text.format(year=rng.randint(min(born + 3, 2026), 2026)))

    modes = _communication(rng, need, second, ehcp)
    notes = []
    for mode in modes:
        if mode != "speech" or rng.random() < 0.6:
            notes.append(rng.choice(COMMUNICATION_NOTES[mode]))
    if "HI" in needs:
        notes.append(rng.choice(HI_NOTES))
    if "VI" in needs:
        notes.append(rng.choice(VI_NOTES))

    autistic_like = bool(needs & {"ASD", "SLD", "PMLD", "MSI"})
    sensory = []
    if autistic_like or ehcp or rng.random() < 0.4:
        sensory = _some(rng, SENSORY["general"], 1, 2)
        if autistic_like:
            sensory += _some(rng, SENSORY["asd"], 1, 2)
        if needs & {"PD", "PMLD"}:
            sensory += _some(rng, SENSORY["physical"], 1, 2)

    triggers = _some(rng, TRIGGERS["general"] + (TRIGGERS["older"] if age != "early" else []), 1, 2)
    warnings = WARNING_SIGNS + (OLDER_WARNING_SIGNS if year_group >= 5 else [])
    helps = _some(rng, WHAT_HELPS["general"], 1, 2)
    if needs & {"ASD", "SLD"}:
        triggers += _some(rng, TRIGGERS["asd"], 1, 2)
        helps += _some(rng, WHAT_HELPS["asd"], 1, 2)
    if needs & {"SEMH", "OTH"}:
        triggers += _some(rng, TRIGGERS["semh"], 1, 2)
        helps += _some(rng, WHAT_HELPS["semh"], 1, 2)
    if needs & {"SPLD", "MLD", "SLCN"}:
        helps += _some(rng, WHAT_HELPS["early_learning" if age == "early" else "learning"], 1, 1)
    detailed = ehcp or rng.random() < 0.6
    return {
        "primary_need": need,
        "secondary_need": second,
        "diagnoses": " ".join(diagnoses),
        "communication": modes,
        "communication_notes": " ".join(notes),
        "sensory_profile": " ".join(sensory),
        "known_triggers": " ".join(triggers),
        "early_warning_signs": " ".join(_some(rng, warnings, 1, 3)) if detailed else "",
        "what_helps": " ".join(helps),
        "strengths_interests": " ".join(_some(rng, STRENGTHS[age], 1, 2)),
        "likes": _sentence(_some(rng, LIKES[age], 2, 4)),
        "dislikes": _sentence(_some(rng, DISLIKES, 1, 3)) if detailed else "",
    }


def _communication(rng, need: str, second: str, ehcp: bool) -> list[str]:
    S, P, M, A, O = (Communication.SPEECH, Communication.PECS, Communication.MAKATON, Communication.AAC,
                     Communication.OTHER)
    if need == "PMLD":
        return [A, O]
    if need == "MSI":
        return rng.choice([[O], [S, O]])
    if need == "SLD":
        return rng.choice([[M], [P], [S, M], [A], [P, M]])
    if need == "ASD" and ehcp:
        return rng.choices([[S], [P], [S, M], [A], [P, M]], [55, 20, 10, 10, 5])[0]
    if need == "SLCN" and ehcp:
        return rng.choices([[S], [S, M], [A], [P]], [60, 25, 10, 5])[0]
    if need in ("ASD", "SLCN") or second == "SLD":
        return rng.choices([[S], [S, M]], [88, 12])[0]
    if need == "HI" and ehcp:
        return rng.choices([[S], [S, O]], [75, 25])[0]
    return [S]


def _sentence(items: list[str]) -> str:
    if not items:
        return ""
    text = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return text[0].upper() + text[1:] + "."


def _medical(ctx: DemoContext, need: str) -> dict:
    """About 8% of pupils have a medical alert or an allergy (more among PMLD: epilepsy, tube feeding)."""
    rng = ctx.rng
    if need == "PMLD":
        return {"medical_alerts": MEDICAL[1] + " Gastrostomy: feeds by trained staff only.", "allergies": ""}
    if rng.random() >= 0.08:
        return {"medical_alerts": "", "allergies": ""}
    kind = rng.random()
    alerts, allergies = [], []
    if kind < 0.7:
        alerts.append(rng.choice(MEDICAL))
    if kind >= 0.5:
        allergy = rng.choice(ALLERGIES)
        allergies.append(allergy)
        if "anaphylaxis" in allergy:
            alerts.append(ANAPHYLAXIS)
    return {"medical_alerts": " ".join(alerts), "allergies": ", ".join(allergies)}


# (relationship, parental responsibility, lives with the pupil, "female"/"male"/"any")
FAMILIES = [
    (38, [("Mother", True, True, "f"), ("Father", True, True, "m")]),
    (14, [("Mother", True, True, "f")]),
    (12, [("Mother", True, True, "f"), ("Father", True, False, "m")]),
    (8, [("Mother", True, True, "f"), ("Grandmother", False, False, "f")]),
    (5, [("Mother", True, True, "f"), ("Stepfather", False, True, "m")]),
    (4, [("Father", True, True, "m")]),
    (2, [("Father", True, True, "m"), ("Grandmother", False, False, "f")]),
    (2, [("Mother", True, True, "f"), ("Mother", True, True, "f")]),
    (2, [("Adoptive mother", True, True, "f"), ("Adoptive father", True, True, "m")]),
    (3, [("Grandmother (special guardian)", True, True, "f"), ("Grandfather (special guardian)", True, True, "m")]),
    (2, [("Aunt (kinship carer)", True, True, "f")]),
    (3, [("Foster carer", False, True, "f"), ("Social worker", False, False, "any")]),
]
FAMILY_WEIGHTS = [w for w, _ in FAMILIES]


def _contacts(ctx: DemoContext, spec: DemoSchool, pupils: list[Pupil]) -> None:
    rng = ctx.rng
    landline = "0113 496 0{:03d}" if spec.local_authority == "Leeds" else "01632 960{:03d}"
    contacts = []
    for pupil in pupils:
        family = rng.choices(FAMILIES, FAMILY_WEIGHTS)[0][1]
        for priority, (relationship, pr, lives, sex) in enumerate(family, start=1):
            professional = relationship == "Social worker"
            first, last = _adult_name(ctx, pupil, sex, related=relationship not in ("Social worker", "Foster carer"))
            has_email = professional or rng.random() < 0.8
            preferred = "email" if professional else rng.choices(["phone", "text", "email"], [55, 30, 15])[0]
            if preferred == "email" and not has_email:
                preferred = "phone"
            alt = ""
            if rng.random() < 0.3:
                alt = landline.format(rng.randint(0, 999))
            contacts.append(ContactFactory.build(
                pupil=pupil, name=f"{first} {last}", relationship=relationship, parental_responsibility=pr,
                phone=landline.format(rng.randint(0, 999)) if professional else _mobile(rng),
                phone_alt=alt, email=_email(rng, first, last, professional) if has_email else "",
                preferred_contact=preferred, lives_with_pupil=lives, priority=priority,
            ))
    Contact.objects.bulk_create(contacts, batch_size=2000)


def _adult_name(ctx, pupil, sex: str, *, related: bool) -> tuple[str, str]:
    rng = ctx.rng
    female = sex == "f" or (sex == "any" and rng.random() < 0.7)
    heritage = pupil._heritage if related else "british"
    _, boys, girls, surnames = HERITAGES[heritage]
    first = pupil.legal_first_name
    while first == pupil.legal_first_name:  # parents rarely share the child's first name
        if heritage == "british":
            first = ctx.fake.first_name_female() if female else ctx.fake.first_name_male()
        else:
            first = rng.choice(girls if female else boys)
    if related and rng.random() < 0.8:
        last = pupil.legal_last_name
    else:
        last = rng.choice(surnames) if surnames and related else ctx.fake.last_name()
    return first, last


def _mobile(rng) -> str:
    """Ofcom's drama range (07700 900000-900999): looks real, reaches nobody."""
    n = rng.randint(0, 999)
    return rng.choices([f"07700 900{n:03d}", f"07700900{n:03d}", f"+44 7700 900{n:03d}"], [80, 10, 10])[0]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c == "-")).lower()


def _email(rng, first: str, last: str, professional: bool) -> str:
    f, surname = _ascii(first), _ascii(last)
    if professional:
        return f"{f}.{surname}@childrens-services.example.org"
    local = rng.choice([f"{f}.{surname}", f"{f}{surname}{rng.randint(1, 99)}", f"{f[:1]}.{surname}",
                        f"{f}_{surname}"])
    return f"{local}@{rng.choice(['example.com', 'example.org', 'example.net'])}"


def _caseloads(ctx: DemoContext, school, classes, pupils: list[Pupil]) -> dict:
    """Teachers get their class; each TA 5-10 pupils (EHCP first) around a home class. Returns
    user -> [Pupil] for the direct pupil caseloads."""
    rng = ctx.rng
    staff = ctx.staff[school]
    by_class = defaultdict(list)
    for p in pupils:
        by_class[p.class_group_id].append(p)
    sen_order = {SENStatus.EHCP: 0, SENStatus.SEN_SUPPORT: 1, SENStatus.NONE: 2}

    def ranked(candidates):
        return sorted(candidates, key=lambda p: sen_order[p.sen_status])

    teachers = staff[Role.TEACHER]
    for teacher, (group, _) in zip(teachers, classes):
        set_caseload(school=school, user=teacher, pupils=[], class_groups=[group], acting_user=ctx.acting_user)

    direct = {}
    taken = set()
    groups = sorted((g for g, _ in classes),
                    key=lambda g: -sum(p.sen_status == SENStatus.EHCP for p in by_class[g.pk]))
    sen_pupils = ranked(p for p in pupils if p.sen_status != SENStatus.NONE)
    for i, ta in enumerate(staff[Role.TEACHING_ASSISTANT]):
        home = groups[i % len(groups)]
        want = rng.randint(5, 10)
        chosen = []
        pools = (
            [p for p in ranked(by_class[home.pk]) if p.sen_status != SENStatus.NONE and p.pk not in taken],
            [p for p in sen_pupils if p.year_group == home.year_group and p.pk not in taken],
            [p for p in sen_pupils if p.pk not in taken],
            ranked(by_class[home.pk]),  # everyone has a TA already: share
            pupils,
        )
        for pool in pools:
            for p in pool:
                if len(chosen) == want:
                    break
                if p not in chosen:
                    chosen.append(p)
            if len(chosen) == want:
                break
        taken.update(p.pk for p in chosen)
        set_caseload(school=school, user=ta, pupils=chosen, class_groups=[], acting_user=ctx.acting_user)
        direct[ta] = chosen

    # Teachers beyond the class teachers (e.g. the outreach teacher shared by two schools) get pupils.
    ehcp = [p for p in pupils if p.sen_status == SENStatus.EHCP] or pupils
    for teacher in teachers[len(classes):]:
        chosen = rng.sample(ehcp, min(len(ehcp), rng.randint(5, 8)))
        set_caseload(school=school, user=teacher, pupils=chosen, class_groups=[], acting_user=ctx.acting_user)
        direct[teacher] = chosen
    return direct


def _key_adults(ctx: DemoContext, school, pupils: list[Pupil], direct: dict) -> None:
    """Pupils with an EHCP have one or two key adults (usually their TA); some on SEN support one."""
    rng = ctx.rng
    staff = ctx.staff[school]
    tas_of = defaultdict(list)
    for user, chosen in direct.items():
        for p in chosen:
            tas_of[p.pk].append(user)
    links = []
    for p in pupils:
        if p.sen_status == SENStatus.EHCP or (p.sen_status == SENStatus.SEN_SUPPORT and rng.random() < 0.35):
            adults = list(tas_of.get(p.pk, []))[:1] or [rng.choice(staff[Role.TEACHING_ASSISTANT])]
            if p.sen_status == SENStatus.EHCP and rng.random() < 0.5:
                extra = rng.choice(staff[Role.SENCO][:1] + staff[Role.DSL][:1] + staff[Role.TEACHING_ASSISTANT])
                if extra not in adults:
                    adults.append(extra)
            links += [KeyAdult(pupil=p, user=u) for u in adults]
    KeyAdult.objects.bulk_create(links, batch_size=2000)
