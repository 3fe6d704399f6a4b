"""Fictional Mercer County training providers and their ETPL programs, written for the demo.

CIP 2020 codes and titles and the CIP-SOC pairs are real; providers, people, addresses, costs,
descriptions and outcomes are invented. Stackable pathways built into the programs:
CNA -> LPN -> RN (LPN-to-RN bridge), CDL-B -> CDL-A, forklift -> warehouse/logistics,
CompTIA A+ -> Network+ -> systems administration, medical assistant -> phlebotomy,
Welding I -> advanced welding.
"""

from __future__ import annotations

# fmt: off
# ruff: noqa: E501  (data literals: long strings and rows are kept on one line)

# CIP 2020: code -> (action, text change, official title, demo definition)
CIP_CODES = {
    "11": ("No substantive changes", "no", "COMPUTER AND INFORMATION SCIENCES AND SUPPORT SERVICES.",
           "Programs on computing, information technology and the support of computer users."),
    "11.08": ("No substantive changes", "no", "Computer Software and Media Applications.",
              "Content for this series is defined in its six-digit codes."),
    "11.0801": ("No substantive changes", "yes",
                "Web Page, Digital/Multimedia and Information Resources Design.",
                "Prepares people to design and build websites and web applications, including "
                "markup, scripting, layout and accessibility."),
    "11.09": ("No substantive changes", "no", "Computer Systems Networking and Telecommunications.",
              "Content for this series is defined in its six-digit codes."),
    "11.0901": ("No substantive changes", "no", "Computer Systems Networking and Telecommunications.",
                "Prepares people to install, configure and troubleshoot local and wide area "
                "networks and network services."),
    "11.10": ("No substantive changes", "no",
              "Computer/Information Technology Administration and Management.",
              "Content for this series is defined in its six-digit codes."),
    "11.1001": ("No substantive changes", "no", "Network and System Administration/Administrator.",
                "Prepares people to manage servers, operating systems, user accounts, backups and "
                "security for an organization's computer systems."),
    "11.1006": ("No substantive changes", "no", "Computer Support Specialist.",
                "Prepares people to help computer users: hardware and software installation, "
                "troubleshooting, help desk procedures and customer service."),
    "47": ("No substantive changes", "no", "MECHANIC AND REPAIR TECHNOLOGIES/TECHNICIANS.",
           "Programs that prepare people to maintain and repair equipment and machinery."),
    "47.03": ("No substantive changes", "yes",
              "Heavy/Industrial Equipment Maintenance Technologies/Technicians.",
              "Content for this series is defined in its six-digit codes."),
    "47.0303": ("No substantive changes", "yes",
                "Industrial Mechanics and Maintenance Technology/Technician.",
                "Prepares people to maintain and repair industrial machinery: mechanical drives, "
                "hydraulics, pneumatics, electrical controls and preventive maintenance."),
    "48": ("No substantive changes", "no", "PRECISION PRODUCTION.",
           "Programs that prepare people to make and finish products to precise specifications."),
    "48.05": ("No substantive changes", "no", "Precision Metal Working.",
              "Content for this series is defined in its six-digit codes."),
    "48.0508": ("No substantive changes", "no", "Welding Technology/Welder.",
                "Prepares people to join and cut metal with arc, gas and other welding processes, "
                "read weld symbols and inspect welds."),
    "48.0510": ("No substantive changes", "no",
                "Computer Numerically Controlled (CNC) Machinist Technology/CNC Machinist.",
                "Prepares people to set up and run CNC machine tools, edit programs and inspect "
                "machined parts."),
    "49": ("No substantive changes", "no", "TRANSPORTATION AND MATERIALS MOVING.",
           "Programs on operating vehicles and equipment that move people and materials."),
    "49.02": ("No substantive changes", "no", "Ground Transportation.",
              "Content for this series is defined in its six-digit codes."),
    "49.0205": ("No substantive changes", "no",
                "Truck and Bus Driver/Commercial Vehicle Operator and Instructor.",
                "Prepares people to drive trucks and buses safely and pass the commercial driver's "
                "license tests."),
    "49.0209": ("New", "no", "Forklift Operation/Operator.",
                "Prepares people to operate forklifts and other powered industrial trucks safely."),
    "51": ("No substantive changes", "no", "HEALTH PROFESSIONS AND RELATED PROGRAMS.",
           "Programs that prepare people for work in health care and health support services."),
    "51.07": ("No substantive changes", "no", "Health and Medical Administrative Services.",
              "Content for this series is defined in its six-digit codes."),
    "51.0713": ("No substantive changes", "no", "Medical Insurance Coding Specialist/Coder.",
                "Prepares people to assign diagnosis and procedure codes and prepare claims."),
    "51.0714": ("No substantive changes", "no", "Medical Insurance Specialist/Medical Biller.",
                "Prepares people to handle medical billing, insurance verification and front "
                "office work."),
    "51.08": ("No substantive changes", "no", "Allied Health and Medical Assisting Services.",
              "Content for this series is defined in its six-digit codes."),
    "51.0801": ("No substantive changes", "no", "Medical/Clinical Assistant.",
                "Prepares people to assist physicians with clinical and administrative tasks in "
                "outpatient settings."),
    "51.0805": ("No substantive changes", "no", "Pharmacy Technician/Assistant.",
                "Prepares people to fill prescriptions and manage pharmacy inventory under a "
                "pharmacist."),
    "51.10": ("No substantive changes", "no",
              "Clinical/Medical Laboratory Science/Research and Allied Professions.",
              "Content for this series is defined in its six-digit codes."),
    "51.1009": ("No substantive changes", "no", "Phlebotomy Technician/Phlebotomist.",
                "Prepares people to collect and handle blood specimens."),
    "51.26": ("No substantive changes", "no", "Health Aides/Attendants/Orderlies.",
              "Content for this series is defined in its six-digit codes."),
    "51.2602": ("No substantive changes", "no", "Home Health Aide/Home Attendant.",
                "Prepares people to give personal care and home support to clients in their homes."),
    "51.38": ("No substantive changes", "no",
              "Registered Nursing, Nursing Administration, Nursing Research and Clinical Nursing.",
              "Content for this series is defined in its six-digit codes."),
    "51.3801": ("No substantive changes", "no", "Registered Nursing/Registered Nurse.",
                "Prepares people to practice as registered nurses and pass the NCLEX-RN."),
    "51.39": ("No substantive changes", "no",
              "Practical Nursing, Vocational Nursing and Nursing Assistants.",
              "Content for this series is defined in its six-digit codes."),
    "51.3901": ("No substantive changes", "no", "Licensed Practical/Vocational Nurse Training.",
                "Prepares people to give nursing care under registered nurses and pass the NCLEX-PN."),
    "51.3902": ("No substantive changes", "no",
                "Nursing Assistant/Aide and Patient Care Assistant/Aide.",
                "Prepares people to give basic patient care under nursing supervision."),
    "52": ("No substantive changes", "no",
           "BUSINESS, MANAGEMENT, MARKETING, AND RELATED SUPPORT SERVICES.",
           "Programs on running businesses and the office and support services they need."),
    "52.02": ("No substantive changes", "no", "Business Administration, Management and Operations.",
              "Content for this series is defined in its six-digit codes."),
    "52.0203": ("No substantive changes", "no", "Logistics, Materials, and Supply Chain Management.",
                "Prepares people to manage the flow of materials, inventory and shipments."),
    "52.0205": ("No substantive changes", "no", "Operations Management and Supervision.",
                "Prepares people to supervise production and operations teams."),
    "52.03": ("No substantive changes", "no", "Accounting and Related Services.",
              "Content for this series is defined in its six-digit codes."),
    "52.0302": ("No substantive changes", "no", "Accounting Technology/Technician and Bookkeeping.",
                "Prepares people to keep books, process payables, receivables and payroll."),
    "52.04": ("No substantive changes", "no", "Business Operations Support and Assistant Services.",
              "Content for this series is defined in its six-digit codes."),
    "52.0408": ("No substantive changes", "no", "General Office Occupations and Clerical Services.",
                "Prepares people for general office and clerical work."),
    "52.0411": ("No substantive changes", "no",
                "Customer Service Support/Call Center/Teleservice Operation.",
                "Prepares people to serve customers by phone, chat and in person."),
}

# CIP 2020 -> SOC 2018 (real pairs from the NCES/BLS crosswalk for the demo's CIP codes)
CIP_SOC = {
    "11.0801": [("15-1254", "Web Developers"), ("15-1255", "Web and Digital Interface Designers"),
                ("25-1194", "Career/Technical Education Teachers, Postsecondary"),
                ("27-1014", "Special Effects Artists and Animators"), ("27-1024", "Graphic Designers")],
    "11.0901": [("11-3021", "Computer and Information Systems Managers"),
                ("15-1211", "Computer Systems Analysts"), ("15-1212", "Information Security Analysts"),
                ("15-1231", "Computer Network Support Specialists"),
                ("15-1241", "Computer Network Architects"),
                ("25-1021", "Computer Science Teachers, Postsecondary")],
    "11.1001": [("11-3021", "Computer and Information Systems Managers"),
                ("15-1212", "Information Security Analysts"),
                ("15-1231", "Computer Network Support Specialists"),
                ("15-1241", "Computer Network Architects"),
                ("15-1244", "Network and Computer Systems Administrators")],
    "11.1006": [("15-1231", "Computer Network Support Specialists"),
                ("15-1232", "Computer User Support Specialists")],
    "47.0303": [("47-4021", "Elevator and Escalator Installers and Repairers"),
                ("49-9012", "Control and Valve Installers and Repairers, Except Mechanical Door"),
                ("49-9041", "Industrial Machinery Mechanics"),
                ("49-9043", "Maintenance Workers, Machinery"), ("49-9044", "Millwrights"),
                ("49-9045", "Refractory Materials Repairers, Except Brickmasons"),
                ("49-9081", "Wind Turbine Service Technicians")],
    "48.0508": [("51-4121", "Welders, Cutters, Solderers, and Brazers"),
                ("51-4122", "Welding, Soldering, and Brazing Machine Setters, Operators, and Tenders")],
    "48.0510": [("51-9161", "Computer Numerically Controlled Tool Operators"),
                ("51-9162", "Computer Numerically Controlled Tool Programmers")],
    "49.0205": [("25-1194", "Career/Technical Education Teachers, Postsecondary"),
                ("53-3032", "Heavy and Tractor-Trailer Truck Drivers"), ("53-3033", "Light Truck Drivers"),
                ("53-3051", "Bus Drivers, School"), ("53-3052", "Bus Drivers, Transit and Intercity"),
                ("53-3053", "Shuttle Drivers and Chauffeurs")],
    "49.0209": [("53-7051", "Industrial Truck and Tractor Operators")],
    "51.0713": [("29-2072", "Medical Records Specialists"),
                ("29-9021", "Health Information Technologists and Medical Registrars")],
    "51.0714": [("31-9099", "Healthcare Support Workers, All Other"),
                ("43-6013", "Medical Secretaries and Administrative Assistants")],
    "51.0801": [("25-1071", "Health Specialties Teachers, Postsecondary"), ("31-9092", "Medical Assistants")],
    "51.0805": [("25-1071", "Health Specialties Teachers, Postsecondary"), ("29-2052", "Pharmacy Technicians")],
    "51.1009": [("25-1071", "Health Specialties Teachers, Postsecondary"), ("31-9097", "Phlebotomists")],
    "51.2602": [("31-1121", "Home Health Aides"), ("31-1122", "Personal Care Aides")],
    "51.3801": [("25-1072", "Nursing Instructors and Teachers, Postsecondary"),
                ("29-1141", "Registered Nurses")],
    "51.3901": [("29-2061", "Licensed Practical and Licensed Vocational Nurses")],
    "51.3902": [("31-1131", "Nursing Assistants")],
    "52.0203": [("11-3051", "Industrial Production Managers"),
                ("11-3071", "Transportation, Storage, and Distribution Managers"),
                ("13-1081", "Logisticians"), ("25-1011", "Business Teachers, Postsecondary")],
    "52.0205": [("11-3013", "Facilities Managers"),
                ("11-3021", "Computer and Information Systems Managers"),
                ("11-3051", "Industrial Production Managers"), ("11-9021", "Construction Managers"),
                ("13-1081", "Logisticians"), ("25-1011", "Business Teachers, Postsecondary"),
                ("49-1011", "First-Line Supervisors of Mechanics, Installers, and Repairers"),
                ("51-1011", "First-Line Supervisors of Production and Operating Workers")],
    "52.0302": [("13-2082", "Tax Preparers"), ("43-3031", "Bookkeeping, Accounting, and Auditing Clerks"),
                ("43-3051", "Payroll and Timekeeping Clerks"), ("43-4011", "Brokerage Clerks"),
                ("43-9111", "Statistical Assistants")],
    "52.0408": [("43-3061", "Procurement Clerks"), ("43-4021", "Correspondence Clerks"),
                ("43-4071", "File Clerks"), ("43-4151", "Order Clerks"),
                ("43-5011", "Cargo and Freight Agents"), ("43-9022", "Word Processors and Typists"),
                ("43-9041", "Insurance Claims and Policy Processing Clerks"),
                ("43-9061", "Office Clerks, General")],
    "52.0411": [("43-4051", "Customer Service Representatives"), ("43-4151", "Order Clerks")],
}

# Fictional providers: id -> fields. Phone numbers use the 609 area code with 555 exchanges.
PROVIDERS = {
    "9901": dict(name="Mercer Community College", short="Mercer Community College",
                 street="1750 Quakerbridge Road", city="West Windsor", zip="08550",
                 contact=("Dana", "Whitfield", "Director of Workforce Programs"),
                 phone="6095550100", web="www.mercercc-demo.edu", typeid="2",
                 approval="Middle States Commission on Higher Education", spanish="1",
                 evening="1", bus=("603", "613"), train="Northeast Corridor - Princeton Junction",
                 childcare="1"),
    "9902": dict(name="Capital City Nurse Aide Academy - Trenton", short="Capital City Nurse Aide Academy",
                 street="215 East State Street, Suite 3", city="Trenton", zip="08608",
                 contact=("Marisol", "Ocasio", "Program Coordinator"), phone="6095550142",
                 web="www.capitalcitycna-demo.com", typeid="5",
                 approval="New Jersey Department of Health", spanish="1", evening="1",
                 bus=("601, 606, 609", ""), train="River LINE - Trenton Transit Center",
                 childcare="2"),
    "9903": dict(name="Delaware Valley School of Practical Nursing", short="Delaware Valley School of Practical Nursing",
                 street="3100 Quakerbridge Road", city="Hamilton", zip="08619",
                 contact=("Gregory", "Adeyemi", "Director of Nursing Education"),
                 phone="6095550177", web="www.dvspn-demo.org", typeid="5",
                 approval="New Jersey Board of Nursing", spanish="2", evening="1",
                 bus=("603", ""), train="None Available", childcare="2"),
    "9904": dict(name="Trenton Allied Health Institute", short="Trenton Allied Health Institute",
                 street="1 West Front Street, 4th Floor", city="Trenton", zip="08608",
                 contact=("Priya", "Raman", "Campus Director"), phone="6095550188",
                 web="www.tahi-demo.edu", typeid="5",
                 approval="Accrediting Bureau of Health Education Schools (ABHES)", spanish="1",
                 evening="1", bus=("601, 606", "609"), train="River LINE - Trenton Transit Center",
                 childcare="2"),
    "9905": dict(name="Route One Truck Driving School - Robbinsville", short="Route One Truck Driving School",
                 street="40 Gordon Road", city="Robbinsville", zip="08691",
                 contact=("Frank", "Kowalczyk", "Owner"), phone="6095550119",
                 web="www.routeonecdl-demo.com", typeid="5",
                 approval="New Jersey Motor Vehicle Commission", spanish="1", evening="2",
                 bus=("", ""), train="None Available", childcare="2"),
    "9906": dict(name="Garden State Forklift and Warehouse Training", short="Garden State Forklift and Warehouse Training",
                 street="1801 Kuser Road", city="Hamilton", zip="08690",
                 contact=("Tamika", "Brooks", "Training Manager"), phone="6095550163",
                 web="www.gsforklift-demo.com", typeid="5",
                 approval="Occupational Safety and Health Administration outreach trainer", spanish="1",
                 evening="1", bus=("606", ""), train="None Available", childcare="2"),
    "9907": dict(name="Mercer County Technical Institute for Adults", short="Mercer County Technical Institute for Adults",
                 street="1085 Old Trenton Road", city="Hamilton", zip="08620",
                 contact=("Luis", "Echevarria", "Adult Education Supervisor"), phone="6095550131",
                 web="www.mcti-adults-demo.org", typeid="18",
                 approval="New Jersey Department of Education", spanish="1", evening="1",
                 bus=("608", ""), train="None Available", childcare="2"),
    "9908": dict(name="Princeton Junction Tech Academy", short="Princeton Junction Tech Academy",
                 street="14 Washington Road, Suite 210", city="West Windsor", zip="08550",
                 contact=("Kevin", "Zhao", "Academic Director"), phone="6095550124",
                 web="www.pjtechacademy-demo.com", typeid="5", approval="CompTIA Authorized Partner",
                 spanish="2", evening="1", bus=("600", ""),
                 train="Northeast Corridor - Princeton Junction", childcare="2"),
    "9909": dict(name="Lawrenceville Code Lab", short="Lawrenceville Code Lab",
                 street="2999 Princeton Pike", city="Lawrenceville", zip="08648",
                 contact=("Alicia", "Moreno", "Head of Admissions"), phone="6095550155",
                 web="www.lawrencevillecodelab-demo.io", typeid="5", approval="", spanish="2",
                 evening="1", bus=("606", ""), train="None Available", childcare="2"),
    "9910": dict(name="Hamilton Business Skills Center", short="Hamilton Business Skills Center",
                 street="2090 Greenwood Avenue", city="Hamilton", zip="08609",
                 contact=("Beverly", "Nguyen", "Director"), phone="6095550106",
                 web="www.hamiltonbsc-demo.com", typeid="5", approval="Intuit Education Partner",
                 spanish="1", evening="1", bus=("606, 609", ""), train="None Available",
                 childcare="2"),
    "9911": dict(name="Ewing Career Training Center", short="Ewing Career Training Center",
                 street="900 Parkway Avenue, Suite 110", city="Ewing", zip="08618",
                 contact=("Raymond", "Okafor", "Executive Director"), phone="6095550193",
                 web="www.ewingctc-demo.org", typeid="5", approval="", spanish="1", evening="1",
                 bus=("601", "608"), train="West Trenton Line (SEPTA) - West Trenton",
                 childcare="1"),
    "9912": dict(name="Hopewell Valley Manufacturing Skills Partnership", short="Hopewell Valley Manufacturing Skills Partnership",
                 street="", city="", zip="", contact=("", "", ""), phone="", web="", typeid="",
                 approval="", spanish="", evening="", bus=("", ""), train="", childcare=""),
}
# 9912 is listed without provider details, as some real ETPL rows are (provider record missing).

# Programs: (program id, provider id, official name, cip, tuition, fees, books, supplies, other,
#            clock hours, calendar length id, credential type, license name, industry credential,
#            prerequisites, evening, hybrid/online flag, description)
# calendarlengthid: 2 = 1-2 days, 3 = 3-7 days, 4 = 2-3 weeks, 5 = 4-11 weeks, 6 = 3-5 months,
#                   7 = 6-12 months, 8 = 13 months - 2 years (NJ Training Explorer coding)
PROGRAMS = [
    ("60101", "9902", "Certified Nurse Aide (CNA)", "51.3902", 1250, 95, 85, 60, 45, 90, 5,
     "License", "NURSE AIDE", "Certified Nurse Aide", "No diploma required; "
     "age 18+; background check and two-step TB test", False, "",
     "Our 90-hour Certified Nurse Aide course meets New Jersey Department of Health requirements: "
     "50 hours of classroom and skills lab and 40 hours of supervised clinical practice at a Mercer "
     "County long-term care facility. Students learn personal care, infection control, vital signs, "
     "safe transfers with gait belts and mechanical lifts, resident rights, dementia care and "
     "documentation, and sit for the state CNA competency exam."),
    ("60102", "9902", "Certified Nurse Aide - Evening and Weekend", "51.3902", 1350, 95, 85, 60, 45,
     90, 5, "License", "NURSE AIDE", "Certified Nurse Aide",
     "Age 18+; background check and two-step TB test", True, "",
     "The same state-approved 90-hour CNA curriculum scheduled for working adults: classes Monday "
     "and Wednesday evenings 5:30-9:30 pm and clinical rotations on Saturdays. Covers bathing, "
     "feeding, positioning, vital signs, infection prevention, CPR/BLS and reporting changes in "
     "condition."),
    ("60103", "9902", "Certified Home Health Aide (CHHA)", "51.2602", 750, 60, 45, 40, 0, 76, 4,
     "License", "HOMEMAKER-HOME HEALTH AIDE", "Certified Homemaker Home Health Aide", "Age 18+",
     False, "",
     "Prepares students to care for clients in their homes: personal care, safe mobility, meal "
     "planning for special diets, home safety, observing and reporting, and working with the "
     "supervising nurse. Current CNAs may complete a shortened 16-hour bridge."),
    ("60201", "9903", "Practical Nursing (LPN) - Day Program", "51.3901", 17800, 950, 1400, 650, 1000,
     1240, 7, "License", "LICENSED PRACTICAL NURSE (LPN)", "", "Current New Jersey CNA certification; "
     "High School Diploma or GED; TEAS entrance exam; physical examination", False, "",
     "A 12-month full-time practical nursing program that prepares CNAs to become Licensed "
     "Practical Nurses. Courses cover anatomy and physiology, pharmacology and medication "
     "administration, medical-surgical nursing, maternal and child health, gerontology and "
     "mental health, with clinical rotations in long-term care, rehabilitation and clinics. "
     "Graduates are eligible for the NCLEX-PN."),
    ("60202", "9903", "Practical Nursing (LPN) - Evening/Weekend", "51.3901", 19100, 950, 1400, 650,
     1100, 1240, 8, "License", "LICENSED PRACTICAL NURSE (LPN)", "",
     "Current New Jersey CNA certification; High School Diploma or GED; TEAS entrance exam",
     True, "",
     "An 18-month part-time LPN program for working CNAs, with classes four evenings a week and "
     "clinical rotations every other weekend. Same curriculum and NCLEX-PN preparation as the "
     "day program, including IV therapy awareness and wound care."),
    ("60301", "9901", "Nursing (RN) - Associate in Applied Science", "51.3801", 11800, 1650, 1900, 500,
     650, 1950, 8, "AssociateDegree", "", "",
     "High School Diploma or GED; college placement; Anatomy and Physiology I and II with C or "
     "better", False, "",
     "A two-year associate degree that prepares graduates for the NCLEX-RN. Students learn "
     "patient assessment, care planning, medication and IV administration, acute and chronic "
     "medical-surgical nursing, pediatric, maternity and behavioral health nursing, and "
     "leadership, with clinical placements at regional hospitals."),
    ("60302", "9901", "LPN to RN Bridge (Advanced Placement)", "51.3801", 8200, 900, 950, 250, 400,
     1020, 7, "AssociateDegree", "", "",
     "Current New Jersey LPN license; one year of LPN work experience; Anatomy and Physiology I "
     "and II", True, "hybrid",
     "An advanced-placement track for licensed practical nurses. LPNs receive credit for prior "
     "learning and complete the second year of the RN curriculum in evening lectures, online "
     "modules and weekend clinicals, then sit for the NCLEX-RN."),
    ("60401", "9904", "Medical Assistant", "51.0801", 12900, 400, 550, 250, 0, 720, 7,
     "Certification", "", "Certified Clinical Medical Assistant (CCMA)",
     "High School Diploma or GED; entrance assessment", False, "",
     "A 36-week program covering both clinical and front-office medical assisting: vital signs, "
     "patient histories, injections, EKG, venipuncture, infection control, electronic health "
     "records, scheduling and insurance basics. Includes a 160-hour externship in a local "
     "physician practice."),
    ("60402", "9901", "Medical Assisting Certificate", "51.0801", 5200, 450, 600, 150, 0, 900, 7,
     "Certification", "", "CMA (AAMA)", "High School Diploma or GED; college placement", True,
     "hybrid",
     "A 34-credit college certificate in medical assisting offered in the evening with some "
     "online courses. Covers medical terminology, clinical procedures, pharmacology for medical "
     "assistants, EHR documentation and office management, followed by a practicum."),
    ("60403", "9904", "Phlebotomy Technician", "51.1009", 1550, 120, 95, 85, 0, 120, 5,
     "Certification", "", "Certified Phlebotomy Technician (CPT)", "High School Diploma or GED",
     True, "",
     "Learn venipuncture and capillary puncture on adults, children and older adults, order of "
     "draw, specimen labeling and handling, infection control and patient identification. "
     "Includes 30 successful supervised draws and preparation for the national CPT exam."),
    ("60404", "9901", "Phlebotomy for Medical Assistants (Add-On)", "51.1009", 780, 85, 45, 40, 0,
     60, 4, "Certification", "", "Certified Phlebotomy Technician (CPT)",
     "Medical assistant certificate or current employment as a medical assistant", True, "",
     "A short add-on for medical assistants who want a phlebotomy credential: advanced "
     "venipuncture, difficult draws, special collections and laboratory processing, with a "
     "clinical practicum."),
    ("60405", "9904", "Pharmacy Technician", "51.0805", 3700, 150, 250, 100, 0, 360, 6,
     "Certification", "", "Certified Pharmacy Technician (CPhT)", "High School Diploma or GED",
     False, "",
     "Prepares students for the PTCB exam: pharmacy law, drug classes, dosage calculations, "
     "prescription processing, inventory control, insurance claims and sterile compounding "
     "basics, with a retail or hospital pharmacy externship."),
    ("60406", "9904", "Medical Billing and Coding", "51.0713", 7900, 300, 700, 0, 0, 600, 7,
     "Certification", "", "Certified Professional Coder (CPC)", "High School Diploma or GED",
     True, "online",
     "Online program with live evening sessions covering medical terminology, anatomy, ICD-10-CM "
     "and CPT coding, claims processing, reimbursement and HIPAA privacy. Prepares students for "
     "the AAPC CPC exam."),
    ("60501", "9911", "Medical Office Administration", "51.0714", 3400, 150, 300, 0, 0, 320, 6,
     "Certification", "", "Certified Medical Administrative Assistant (CMAA)",
     "High School Diploma or GED", True, "",
     "Front-office skills for medical practices: scheduling, patient registration, insurance "
     "verification, electronic health records, medical terminology and customer service. "
     "Classes meet Tuesday and Thursday evenings."),
    ("60502", "9911", "Customer Service and Call Center Professional", "52.0411", 1050, 50, 100, 0, 0,
     80, 4, "Certification", "", "Customer Service and Sales Certification",
     "None", True, "",
     "A four-week course in phone, chat and email customer service: active listening, handling "
     "complaints, CRM software, typing and data entry, and workplace communication. Includes "
     "mock interviews with local employers."),
    ("60601", "9905", "CDL Class A Tractor-Trailer", "49.0205", 4800, 250, 0, 0, 150, 160, 5,
     "License", "TRUCK DRIVER", "", "Age 21 or older; valid New Jersey driver's license; DOT "
     "medical card; clean driving record", False, "",
     "Four weeks of classroom, range and road training for the Class A commercial driver's "
     "license: pre-trip inspection, backing and coupling, city and highway driving, hours-of-service "
     "rules and electronic logs. Includes the road test with the school's tractor-trailer."),
    ("60602", "9905", "CDL Class B Straight Truck", "49.0205", 2800, 200, 0, 0, 100, 80, 4,
     "License", "TRUCK DRIVER", "", "Age 18 or older; valid New Jersey driver's license; DOT "
     "medical card", False, "",
     "Two-week course for the Class B commercial license used for box trucks, dump trucks and "
     "local delivery: vehicle inspection, air brakes, backing and road driving."),
    ("60603", "9905", "CDL Class B to Class A Upgrade", "49.0205", 1950, 150, 0, 0, 100, 40, 3,
     "License", "TRUCK DRIVER", "", "Current CDL Class B license; DOT medical card", False, "",
     "A one-week upgrade for Class B drivers moving to tractor-trailers: coupling and uncoupling, "
     "trailer backing, and combination vehicle road skills. Weekend sessions available."),
    ("60701", "9906", "Forklift Operator Certification", "49.0209", 295, 55, 0, 0, 0, 16, 2,
     "Certification", "", "OSHA Powered Industrial Truck Operator Certification",
     "Age 18 or older", True, "",
     "Two days of classroom and hands-on training on sit-down counterbalance forklifts, reach "
     "trucks and electric pallet jacks: pre-shift inspection, load handling, stacking, ramps and "
     "pedestrian safety. Saturday and Sunday classes."),
    ("60702", "9906", "Warehouse and Logistics Specialist", "52.0203", 2300, 150, 150, 0, 0, 120, 5,
     "Certification", "", "Certified Logistics Technician (CLT)",
     "Forklift certification or completion of our Forklift Operator Certification", True, "",
     "Builds on forklift certification with the skills warehouse leads and inventory clerks "
     "need: receiving and shipping, inventory control and cycle counts, warehouse management "
     "systems, RF scanning, bills of lading, supply chain basics and safety. Prepares for the "
     "MSSC Certified Logistics Technician."),
    ("60801", "9907", "Welding I - Structural Plate (AWS D1.1)", "48.0508", 4200, 200, 150, 350, 0,
     300, 6, "Certification", "", "AWS D1.1 Certified Welder", "High School Diploma or GED", True,
     "",
     "Evening welding course in shielded metal arc (stick) and MIG welding on plate in all "
     "positions, oxy-fuel and plasma cutting, shop safety and basic weld inspection. Ends with "
     "the AWS D1.1 plate bend test."),
    ("60802", "9907", "Advanced Welding - Pipe and TIG", "48.0508", 5600, 250, 150, 500, 0, 360, 6,
     "Certification", "", "AWS D1.1 Certified Welder",
     "Completion of Welding I or AWS D1.1 plate certification", True, "",
     "For certified plate welders: TIG welding on carbon steel, stainless and aluminum, 6G pipe "
     "welding with stick and TIG, fit-up and pipe preparation, and qualification testing."),
    ("60803", "9901", "Welding Technology Certificate", "48.0508", 4600, 450, 300, 400, 0, 600, 7,
     "Certification", "", "AWS D1.1 Certified Welder", "High School Diploma or GED", False, "",
     "A 30-credit certificate combining welding processes (SMAW, GMAW, FCAW, GTAW), metallurgy "
     "and weld testing with shop math and technical communication."),
    ("60804", "9907", "CNC Machining Technology", "48.0510", 6500, 250, 250, 200, 0, 450, 6,
     "Certification", "", "NIMS Machining Level I",
     "High School Diploma or GED; basic math assessment", True, "",
     "Hands-on training on CNC mills and lathes: machine setup, tool offsets, G-code editing, "
     "shop math, measuring with calipers and micrometers, and quality inspection. Students earn "
     "NIMS Level I credentials."),
    ("60805", "9907", "Industrial Maintenance Technician", "47.0303", 7100, 300, 300, 200, 0, 480, 7,
     "Certification", "", "MSSC Certified Production Technician (CPT)",
     "High School Diploma or GED", True, "",
     "Covers mechanical power transmission, hydraulics, pneumatics, electrical motor controls, "
     "PLC basics, preventive maintenance and troubleshooting of production equipment."),
    ("60806", "9912", "Production Supervisor Leadership Program", "52.0205", 2600, 100, 200, 0, 0, 96,
     5, "CertificateOfCompletion", "", "",
     "Two years of manufacturing experience or current team lead role", True, "",
     "Evening program for production leads stepping into supervision: scheduling and "
     "production planning, lean and 5S, quality data, safety leadership, coaching and "
     "performance reviews."),
    ("60901", "9908", "CompTIA A+ IT Support Technician", "11.1006", 2950, 150, 250, 0, 0, 160, 5,
     "Certification", "", "CompTIA A+", "High School Diploma or GED", True, "hybrid",
     "Hybrid evening course preparing for both CompTIA A+ exams: PC hardware, Windows and macOS, "
     "mobile devices, printers, basic networking, troubleshooting methods, help desk ticketing "
     "and customer service."),
    ("60902", "9908", "CompTIA Network+ Network Technician", "11.0901", 2600, 150, 150, 0, 0, 120, 5,
     "Certification", "", "CompTIA Network+",
     "CompTIA A+ certification or nine months of help desk experience", True, "hybrid",
     "Prepares A+ technicians for Network+: TCP/IP addressing and subnetting, switching and "
     "routing, Wi-Fi, network cabling, monitoring tools, troubleshooting and network security "
     "basics."),
    ("60903", "9908", "Systems Administration - Windows Server, Linux and Cloud", "11.1001", 4900, 200,
     300, 0, 200, 240, 6, "Certification", "", "Microsoft Certified: Azure Administrator Associate",
     "CompTIA Network+ certification or equivalent network experience", True, "online",
     "Online instructor-led program for network technicians moving into systems administration: "
     "Windows Server and Active Directory, Linux administration, PowerShell and Bash scripting, "
     "virtualization, backup and recovery, Microsoft 365 and Azure administration, and security "
     "hardening."),
    ("60904", "9901", "IT Support Specialist Certificate", "11.1006", 3700, 350, 300, 0, 0, 480, 7,
     "Certification", "", "CompTIA A+", "High School Diploma or GED; college placement", False, "",
     "A 24-credit college certificate in computer support: hardware, operating systems, "
     "networking fundamentals, help desk practice and technical writing."),
    ("61001", "9909", "Full Stack Web Development Bootcamp", "11.0801", 12500, 500, 0, 0, 500, 480, 6,
     "CertificateOfCompletion", "", "", "None; free pre-work module must be completed", True,
     "online",
     "A 16-week part-time online bootcamp with evening and Saturday live classes: HTML, CSS and "
     "responsive design, JavaScript, React, Node.js and Express, SQL databases, Git and GitHub, "
     "testing and deployment. Students build a portfolio of three projects."),
    ("61101", "9910", "Bookkeeping with QuickBooks", "52.0302", 2100, 100, 200, 0, 0, 120, 5,
     "Certification", "", "Intuit QuickBooks Certified User (QBCU)", "High School Diploma or GED",
     True, "online",
     "Learn double-entry bookkeeping, accounts payable and receivable, bank reconciliation, "
     "payroll basics and month-end reports in QuickBooks Online and Excel. Evening classes online "
     "or at our Hamilton center."),
    ("61102", "9910", "Office Administration with Microsoft Office", "52.0408", 2850, 100, 250, 0, 0,
     200, 5, "Certification", "", "MOS - Microsoft Office Specialist",
     "High School Diploma or GED", False, "",
     "Office skills for administrative and clerical jobs: Word, Excel, Outlook and PowerPoint, "
     "business writing, filing and records management, keyboarding, and front-desk customer "
     "service."),
]

# Outcomes by (provider id, cip6): PerEmployed2, PerEmployed4, PerEmployed8, AvgQuarterlyWage2,
# AvgQuarterlyWage4, AvgQuarterlyWage8, PerRetention4, PerRetention8, NumCompleted2/4/8.
# None = suppressed (-99999 in the file). Program 61001 (bootcamp) has no outcomes row at all.
OUTCOMES = [
    ("9902", "513902", 0.71, 0.74, None, 7450, 7900, None, 0.82, None, 64, 64, 12),
    ("9902", "512602", 0.66, 0.70, None, 6900, 7250, None, 0.77, None, 28, 28, 0),
    ("9903", "513901", 0.84, 0.88, 0.86, 13200, 14100, 14900, 0.91, 0.88, 41, 41, 35),
    ("9901", "513801", 0.90, 0.92, 0.93, 19800, 21400, 23100, 0.94, 0.91, 58, 58, 52),
    ("9904", "510801", 0.73, 0.77, None, 8900, 9400, None, 0.84, None, 37, 37, 6),
    ("9901", "510801", 0.69, None, None, 8600, None, None, None, None, 11, 4, 0),
    ("9904", "511009", 0.64, 0.68, None, 8200, 8700, None, 0.79, None, 22, 22, 3),
    ("9901", "511009", None, None, None, None, None, None, None, None, 4, 0, 0),
    ("9904", "510805", 0.70, 0.72, None, 8400, 8800, None, 0.81, None, 19, 19, 0),
    ("9904", "510713", 0.58, 0.63, None, 9300, 9900, None, 0.74, None, 15, 15, 0),
    ("9911", "510714", 0.61, 0.65, None, 8100, 8600, None, 0.78, None, 13, 13, 0),
    ("9911", "520411", 0.57, 0.60, None, 7600, 7800, None, 0.70, None, 26, 26, 8),
    ("9905", "490205", 0.79, 0.81, 0.80, 13900, 14600, 15200, 0.85, 0.83, 88, 88, 61),
    ("9906", "490209", 0.74, 0.76, None, 9700, 10100, None, 0.83, None, 120, 120, 30),
    ("9906", "520203", 0.68, None, None, 10400, None, None, None, None, 9, 9, 0),
    ("9907", "480508", 0.76, 0.80, 0.78, 11800, 12600, 13300, 0.86, 0.84, 31, 31, 22),
    ("9901", "480508", 0.72, 0.75, None, 11200, 11900, None, 0.83, None, 12, 12, 0),
    ("9907", "480510", 0.74, 0.78, None, 11500, 12100, None, 0.85, None, 18, 18, 0),
    ("9907", "470303", 0.81, 0.83, None, 13100, 13800, None, 0.88, None, 14, 14, 0),
    ("9912", "520205", None, None, None, None, None, None, None, None, 7, 7, 0),
    ("9908", "111006", 0.65, 0.70, None, 10900, 11600, None, 0.80, None, 33, 33, 9),
    ("9908", "110901", 0.71, 0.74, None, 13400, 14200, None, 0.84, None, 17, 17, 0),
    ("9908", "111001", 0.77, None, None, 17600, None, None, None, None, 10, 10, 0),
    ("9901", "111006", 0.62, 0.66, 0.69, 10100, 10800, 11900, 0.79, 0.76, 21, 21, 15),
    ("9910", "520302", 0.60, 0.64, None, 9100, 9500, None, 0.77, None, 24, 24, 0),
    ("9910", "520408", 0.55, 0.59, None, 7900, 8300, None, 0.71, None, 16, 16, 0),
    # providers in the outcomes file without a current ETPL listing (as in the real file)
    ("9913", "513902", 0.68, 0.70, None, 7200, 7500, None, 0.80, None, 45, 45, 10),
    ("9913", "999999", None, None, None, None, None, None, None, None, 3, 3, 3),
    ("9914", "490205", 0.75, 0.78, None, 13100, 13700, None, 0.81, None, 52, 52, 0),
    ("9915", "510801", 0.0, 0.0, 0.0, None, None, None, None, None, 6, 6, 6),
]

# College Scorecard field-of-study rows (fictional institutions; CIP 2010 4-digit codes)
FOS_CIP = {
    "5139": "Practical Nursing, Vocational Nursing and Nursing Assistants.",
    "5138": "Registered Nursing, Nursing Administration, Nursing Research and Clinical Nursing.",
    "5108": "Allied Health and Medical Assisting Services.",
    "5110": "Clinical/Medical Laboratory Science/Research and Allied Professions.",
    "5107": "Health and Medical Administrative Services.",
    "5126": "Health Aides/Attendants/Orderlies.",
    "4805": "Precision Metal Working.",
    "4703": "Heavy/Industrial Equipment Maintenance Technologies.",
    "4902": "Ground Transportation.",
    "1110": "Computer/Information Technology Administration and Management.",
    "1109": "Computer Systems Networking and Telecommunications.",
    "1108": "Computer Software and Media Applications.",
    "5203": "Accounting and Related Services.",
    "5204": "Business Operations Support and Assistant Services.",
    "5202": "Business Administration, Management and Operations.",
}

# (unitid, opeid6, name, control) ; the builder gives each a set of CIP rows
FOS_INSTITUTIONS = [
    ("990101", "99101", "Mercer Community College", "Public",
     "5138:2 5139:1 5108:1 5108:2 5110:1 5107:1 5107:2 4805:1 4805:2 4703:2 1110:1 1110:2 1109:2 "
     "1108:2 5203:1 5203:2 5204:2 5202:2"),
    ("990102", "99102", "Delaware Valley School of Practical Nursing", "Private, nonprofit", "5139:1"),
    ("990103", "99103", "Trenton Allied Health Institute", "Private, for-profit",
     "5108:1 5110:1 5107:1 5107:2"),
    ("990104", "99104", "Burlington Hills Community College", "Public",
     "5138:2 5139:1 5108:1 5108:2 4805:1 4703:1 1109:2 1110:2 5203:2 5204:1 5204:2 5202:2"),
    ("990105", "99105", "Raritan Valley Technical Institute", "Private, for-profit",
     "5108:1 5126:1 4805:1 4703:1 4902:1 1109:1 1108:1"),
    ("990106", "99106", "Capital Region Career College", "Private, for-profit",
     "5108:1 5107:1 5139:1 1110:1 5203:1 5204:1"),
    ("990107", "99107", "Bucks River Community College", "Public",
     "5138:2 5108:2 5110:1 4805:2 1109:2 1108:2 5203:2 5202:2 5204:2"),
]
