"""A fictional Mercer County WIOA caseload for the demo: 40 people plus 2 malformed rows.

Nobody here is real. Intake text is written the way case managers type notes from a first
conversation: first person, fragmentary, abbreviations. PIRL code values follow the WIOA PIRL
public-use record layout (PY2022 Q4): 201 sex (1 male, 2 female, 9 not self-identified);
202 disability, 210-215 ethnicity/race flags (1 yes, 0 no, 9 not self-identified);
300 veteran (1 yes, 0 no, 9 unknown); 800 homeless, 801 ex-offender, 802 low income,
803 English learner, 804 basic skills deficient, 806 single parent, 807 displaced homemaker
(1 yes, 0 no); 903 adult, 904 dislocated worker, 905 youth (1 = yes, local formula; 0 = no);
CALC4039 age at participation.
"""

from __future__ import annotations

# fmt: off
# ruff: noqa: E501  (data literals: long strings and rows are kept on one line)

COLUMNS = [
    "participant_id", "past_job_titles", "intake_text", "education_level", "state", "zip",
    "last_hourly_wage", "max_cost", "max_weeks", "schedule", "radius_miles",
    "PIRL201", "PIRL202", "PIRL210", "PIRL211", "PIRL212", "PIRL213", "PIRL214", "PIRL215",
    "PIRL300", "PIRL800", "PIRL801", "PIRL802", "PIRL803", "PIRL804", "PIRL806", "PIRL807",
    "PIRL903", "PIRL904", "PIRL905", "CALC4039",
]

# race/ethnicity shorthand -> PIRL210..215 (Hispanic, AmInd, Asian, Black, NHPI, White)
RACE = {
    "black": "0 0 0 1 0 0", "white": "0 0 0 0 0 1", "hisp_white": "1 0 0 0 0 1",
    "hisp_black": "1 0 0 1 0 0", "hisp": "1 0 0 0 0 0", "asian": "0 0 1 0 0 0",
    "black_white": "0 0 0 1 0 1", "amind_white": "0 1 0 0 0 1", "nhpi": "0 0 0 0 1 0",
    "unk": "9 9 9 9 9 9",
}

# (id, past titles, intake text, education, zip, wage, max cost, max weeks, schedule, radius,
#  sex, disability, race, veteran, barriers (h=homeless x=ex-offender l=low income e=English
#  learner b=basic skills s=single parent d=displaced homemaker), funding (A/D/Y), age)
PARTICIPANTS = [
    ("DEMO-P001", "Cashier;Stock Clerk",
     "5 yrs cashier at grocery store, handled cash + inventory counts. got forklift cert last yr "
     "thru temp agency. want warehouse job w/ better pay, weekends only bc I watch my mom weekdays",
     "high_school", "08611", 15.50, 500, 4, "weekend", 15, 2, 0, "black", 0, "l", "A", 34),
    ("DEMO-P002", "Warehouse Associate;Picker Packer",
     "laid off from warehouse (fulfillment ctr Robbinsville) in March. want healthcare, something "
     "w/ patients. can only do nights/evenings bc kids in school during day, no car",
     "high_school", "08610", 18.75, 2000, 12, "evening", 10, 2, 0, "hisp_white", 0, "ls", "D", 31),
    ("DEMO-P003", "Certified Nursing Assistant",
     "CNA 3 yrs at nursing home in Hamilton want to be a nurse. cant stop working full time, need "
     "LPN that is evening/weekend. good w/ dementia residents",
     "high_school_equivalency", "08619", 20.50, 22000, 80, "evening", 20, 2, 0, "black", 0, "ls",
     "A", 29),
    ("DEMO-P004", "Licensed Practical Nurse;Certified Nursing Assistant",
     "LPN since 2019 in long term care (charge nurse on 2nd floor). want RN. job pays part of "
     "tuition. IV cert. need evening classes",
     "certificate", "08690", 33.00, 10000, 52, "evening", 25, 2, 0, "black", 0, "", "A", 38),
    ("DEMO-P005", "CDL-B Driver;Delivery Driver",
     "drove box truck CDL B for beverage distributor 4 yrs, clean record, air brakes. want Class A "
     "for more money, OTR ok",
     "high_school", "08629", 24.00, 3000, 4, "flexible", 30, 1, 0, "hisp_white", 0, "", "A", 33),
    ("DEMO-P006", "Help Desk Technician;Customer Service Representative",
     "help desk 1 yr at credit union, have A+, do password resets + laptop setups. want network "
     "job, studying Net+ on my own",
     "some_postsecondary", "08648", 22.00, 4000, 16, "evening", 25, 1, 0, "asian", 0, "", "A", 26),
    ("DEMO-P007", "Motor Transport Operator (Army)",
     "Army 6 yrs 88M motor transport, drove heavy trucks + trailers, convoy ops. no civilian CDL "
     "yet. got out in Dec. want trucking job local",
     "high_school", "08620", 21.00, 6000, 8, "day", 30, 1, 0, "white", 1, "", "A", 27),
    ("DEMO-P008", "Crew Member;Shift Leader",
     "fast food shift lead 3 yrs, good w/ customers + cash drawer, trained new people. want office "
     "job M-F, tired of closing shifts",
     "high_school", "08618", 16.25, 1500, 10, "day", 10, 2, 0, "black", 0, "l", "Y", 22),
    ("DEMO-P009", "Retail Sales Associate;Key Holder",
     "retail sales 8 yrs, store closed (Hamilton mall). good w/ computers, set up the POS + "
     "printers for the store, like fixing things. maybe IT?",
     "high_school", "08619", 17.50, 5000, 20, "flexible", 20, 1, 0, "white", 0, "", "D", 41),
    ("DEMO-P010", "Medical Assistant",
     "medical assistant 2 yrs pediatric office, do vitals, shots, EHR. want phlebotomy cert so I "
     "can do lab draws, office will give raise",
     "certificate", "08638", 20.00, 1000, 6, "evening", 15, 2, 0, "hisp", 0, "", "A", 25),
    ("DEMO-P011", "Home Health Aide",
     "home health aide 6 yrs, spanish speaker, english ok not perfect. want CNA then LPN. weekends "
     "better, I work weekdays",
     "none", "08611", 18.00, 1500, 12, "weekend", 10, 2, 0, "hisp_black", 0, "lesb", "A", 44),
    ("DEMO-P012", "Machine Operator;Production Worker",
     "machine operator 10 yrs plastics plant (injection molding + some CNC router). plant moving "
     "out of state, last day in June. want CNC machinist",
     "high_school", "08620", 21.00, 8000, 26, "day", 25, 1, 0, "white", 0, "", "D", 47),
    ("DEMO-P013", "Welder Helper;Laborer",
     "welder helper / fabrication 2 yrs, can MIG weld flat + horizontal, no cert. want AWS cert "
     "+ TIG. evenings bc I work days",
     "high_school", "08609", 18.00, 5000, 16, "evening", 20, 1, 0, "black", 0, "l", "A", 28),
    ("DEMO-P014", "Waitress;Server",
     "waitress 12 yrs, back hurts from carrying trays, want sit-down job, good w/ people + "
     "multitasking. maybe medical office or billing",
     "high_school", "08690", 11.00, 4000, 20, "day", 15, 2, 0, "white", 0, "", "A", 44),
    ("DEMO-P015", "Cook;Warehouse Worker",
     "released in Jan, did food service + warehouse before. need job fast. forklift? anything "
     "that hires w/ record",
     "high_school_equivalency", "08618", 15.00, 500, 2, "flexible", 10, 1, 0, "black", 0, "xl",
     "A", 36),
    ("DEMO-P016", "Stocker;Order Picker",
     "overnight stocker at grocery 2 yrs. want forklift cert + warehouse lead someday",
     "high_school", "08629", 16.50, 800, 4, "weekend", 12, 1, 0, "hisp_white", 0, "l", "Y", 20),
    ("DEMO-P017", "Office Clerk;Data Entry Clerk",
     "office clerk at insurance co, did A/P data entry + filing. want bookkeeping + QuickBooks. "
     "online class ok",
     "some_postsecondary", "08648", 19.00, 2500, 12, "evening", 15, 2, 0, "asian", 0, "", "A", 35),
    ("DEMO-P018", "Customer Service Representative",
     "customer service rep 4 yrs utility call center, good at troubleshooting for customers. "
     "want IT help desk, no certs yet",
     "high_school", "08638", 19.50, 3500, 16, "evening", 20, 1, 0, "black", 0, "", "A", 30),
    ("DEMO-P019", "Maintenance Mechanic;Machine Operator",
     "laid off maintenance tech at packaging plant, 15 yrs mechanical (bearings, gearboxes, "
     "hydraulics), weak on PLCs + electrical. want same kind of job",
     "high_school", "08691", 31.00, 6000, 20, "day", 30, 1, 0, "white", 0, "", "D", 52),
    ("DEMO-P020", "Cashier",
     "cashier + retail, finished HS last yr, interested in nursing, want to start w/ CNA",
     "high_school", "08611", 15.13, 1500, 12, "day", 10, 2, 0, "black", 0, "l", "Y", 19),
    ("DEMO-P021", "Hospital Corpsman (Navy)",
     "Navy hospital corpsman 4 yrs, did IVs, meds, wound care on ship. want civilian RN or LPN "
     "quick. GI bill",
     "some_postsecondary", "08540", 23.00, 15000, 80, "day", 25, 2, 0, "hisp_white", 1, "", "A",
     26),
    ("DEMO-P022", "Cashier;Pharmacy Clerk",
     "pharmacy cashier at drugstore 2 yrs, help techs w/ insurance calls. want pharmacy tech",
     "high_school", "08609", 16.00, 4000, 20, "evening", 15, 2, 0, "black_white", 0, "ls", "A",
     24),
    ("DEMO-P023", "Phlebotomist",
     "phlebotomist 1 yr at lab patient service center, want more $, thinking LPN",
     "certificate", "08618", 20.50, 20000, 60, "evening", 20, 2, 0, "hisp", 0, "", "A", 27),
    ("DEMO-P024", "Tractor Trailer Driver",
     "truck driver 15 yrs CDL-A, hurt shoulder, cant load/unload anymore, doc says no lifting. want "
     "dispatch or logistics office job",
     "high_school", "08620", 29.00, 3000, 16, "day", 25, 1, 1, "white", 0, "", "D", 50),
    ("DEMO-P025", "Stocker;Software Tester",
     "IT degree from India (computer applications), was software tester 3 yrs there. here working "
     "as stocker. english still learning. want IT job",
     "bachelor", "08550", 16.00, 3000, 16, "evening", 20, 1, 0, "asian", 0, "e", "A", 32),
    ("DEMO-P026", "Crew Member",
     "self taught web dev, built 2 sites for church + friend (html css js). work at burger place. "
     "want bootcamp but cant pay 12k",
     "some_postsecondary", "08648", 16.00, 2000, 24, "evening", 30, 1, 0, "black", 0, "l", "Y",
     23),
    ("DEMO-P027", "Administrative Assistant;Receptionist",
     "admin assistant 20 yrs, company closed. know Word + basic Excel, scheduling. want medical "
     "office job",
     "associate", "08540", 23.00, 4000, 16, "day", 20, 2, 0, "white", 0, "", "D", 58),
    ("DEMO-P028", "Assembler;Production Associate",
     "assembler at medical device plant 3 yrs, clean room. want to become machinist or "
     "maintenance, like figuring out how machines work",
     "high_school", "08638", 19.00, 6000, 24, "evening", 20, 1, 0, "hisp_white", 0, "", "A", 29),
    ("DEMO-P029", "Production Lead;Machine Operator",
     "production lead 5 yrs, boss says I can be supervisor if I get training. evenings",
     "high_school", "08690", 26.00, 3000, 12, "evening", 20, 1, 0, "black", 0, "", "A", 39),
    ("DEMO-P030", "Certified Nursing Assistant",
     "CNA but license lapsed 2 yrs ago (stayed home w/ baby), want to go back to work + maybe home "
     "health so I can set hours",
     "high_school", "08611", 17.00, 1000, 6, "day", 10, 2, 0, "black", 0, "lsd", "A", 27),
    ("DEMO-P031", "Shipping Clerk;Inventory Clerk",
     "deaf, ASL. worked shipping/receiving 6 yrs, good w/ inventory counts + SAP. want logistics "
     "coordinator type job",
     "some_postsecondary", "08619", 21.00, 3000, 12, "day", 20, 1, 1, "white", 0, "", "A", 37),
    ("DEMO-P032", "Forklift Operator;Warehouse Associate",
     "warehouse + forklift 3 yrs, certified sit down + reach truck. want CDL A or logistics",
     "high_school", "08691", 21.50, 6000, 8, "weekend", 25, 1, 0, "hisp_white", 0, "", "A", 28),
    ("DEMO-P033", "Bookkeeper",
     "bookkeeper for family restaurant 6 yrs, QuickBooks a little, mostly excel + paper. want full "
     "charge bookkeeper job",
     "high_school", "08520", 20.00, 2500, 12, "flexible", 30, 2, 0, "asian", 0, "e", "A", 46),
    ("DEMO-P034", "Landscaper;General Laborer",
     "staying at shelter now, did landscaping + day labor. want steady job, any training that pays "
     "while learning",
     "none", "08608", 15.00, 0, 4, "flexible", 10, 1, 0, "black", 0, "hlb", "A", 35),
    ("DEMO-P035", "Security Officer",
     "security guard nights 3 yrs, want help desk/IT, have Google IT support cert online. can do "
     "day classes since I work nights",
     "some_postsecondary", "08609", 18.00, 3000, 20, "day", 20, 1, 0, "black", 0, "", "A", 31),
    ("DEMO-P036", "Medical Receptionist",
     "medical receptionist at urgent care 3 yrs, want coding so I can work from home",
     "associate", "08648", 19.00, 8000, 30, "evening", 30, 2, 0, "unk", 0, "", "A", 34),
    ("DEMO-P037", "Line Cook;Dishwasher",
     "line cook 7 yrs, want out of kitchens, like fixing stuff + working w/ hands. maybe welding",
     "high_school_equivalency", "08609", 17.00, 5000, 20, "day", 20, 1, 0, "hisp", 0, "l", "A",
     30),
    ("DEMO-P038", "Aircraft Maintenance Technician (USAF)",
     "retired from Air Force, 20 yrs aircraft maintenance (hydraulics, electrical). want industrial "
     "maintenance job near home",
     "associate", "08691", 35.00, 8000, 20, "day", 30, 1, 1, "amind_white", 1, "", "A", 45),
    ("DEMO-P039", "Teacher Assistant",
     "teacher aide (paraprofessional) 5 yrs, summers off. want medical assistant",
     "some_postsecondary", "08610", 17.00, 6000, 36, "evening", 15, 9, 0, "nhpi", 0, "", "A", 40),
    ("DEMO-P040", "Food Truck Owner;Delivery Driver",
     "ran my own food truck 4 yrs, closed it. did everything - cash, inventory, driving. want CDL-B "
     "or delivery",
     "high_school", "08618", 18.00, 3500, 4, "flexible", 25, 1, 0, "hisp_black", 9, "", "D", 42),
    ("DEMO-P043", "Home Health Aide",
     "home health aide 4 yrs, hospice + dementia clients. want to become a nurse step by step, "
     "CNA first then LPN then RN. evenings/weekends only. employer helps w/ tuition + ITA",
     "high_school", "08609", 17.25, 40000, 82, "evening", 15, 2, 0, "black", 0, "", "A", 27),
    # malformed on purpose: a zip with a letter O typed for a zero, and a negative wage
    ("DEMO-P041", "Stocker;Cashier",
     "stocker + cashier, want forklift cert",
     "high_school", "086O8", 16.00, 500, 2, "weekend", 10, 1, 0, "white", 0, "", "A", 21),
    ("DEMO-P042", "Certified Nursing Assistant",
     "CNA 2 yrs want LPN",
     "high_school", "08629", -17.50, 15000, 60, "evening", 20, 2, 0, "black", 0, "l", "A", 30),
]
