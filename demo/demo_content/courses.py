"""The fictional Mercer Community College course schedule, written for the demo.

Same JSON shape as the SMC catalog files (one file per program). Intentional curriculum gaps for
the gap report: the IT courses never cover cloud platforms or cybersecurity, and the welding and
manufacturing courses never cover blueprint/print reading or GD&T, although local postings ask
for all of them.

Course tuple: (code, title, units, prerequisites, description, sections) where a section is
(number, days, time, location, instructor, weeks/date note, modality).
"""

from __future__ import annotations

# fmt: off
# ruff: noqa: E501  (data literals: long strings and rows are kept on one line)

PROGRAMS = {
    "nursing": (
        "Nursing",
        "The Associate in Applied Science in Nursing prepares students to take the NCLEX-RN and "
        "practice as registered nurses. Licensed practical nurses may enter with advanced "
        "placement through the LPN to RN bridge. Clinical experiences take place at partner "
        "hospitals and long-term care facilities in Mercer County.",
        [
            ("NURS 101", "FUNDAMENTALS OF NURSING", 6,
             "Admission to the Nursing Program, BIO 103 (Anatomy and Physiology I).",
             "Introduces the role of the registered nurse and the nursing process. Students learn "
             "to assess adult and older adult patients, measure vital signs, give hygiene and "
             "comfort care, move and position patients safely, prevent infection with standard "
             "precautions, and document care in an electronic health record. Communication with "
             "patients and families, patient safety and legal and ethical responsibilities are "
             "emphasized. Includes campus skills laboratory and clinical practice in a long-term "
             "care setting.",
             [("4101", "MW", "8:00a.m.-11:50a.m.", "HEALTH 110", "Ibarra L", "15 weeks", "On Ground"),
              ("4102", "TTh", "8:00a.m.-11:50a.m.", "HEALTH 110", "Staff", "15 weeks", "On Ground")]),
            ("NURS 110", "PHARMACOLOGY FOR NURSING", 3, "NURS 101.",
             "Covers the major drug classes, how drugs act in the body, therapeutic and adverse "
             "effects, and nursing responsibilities in medication administration. Students "
             "practice dosage calculation, the rights of medication administration, safe "
             "preparation of oral, injectable and intravenous medications, and patient teaching "
             "about medications. Drug interactions, high-alert medications and documentation in "
             "the medication administration record are discussed. "
             "Students also learn to use drug references and to recognize allergic "
             "reactions.",
             [("4110", "W", "1:00p.m.-3:50p.m.", "HEALTH 204", "Chen M", "15 weeks", "Hybrid")]),
            ("NURS 150", "LPN TO RN TRANSITION", 4,
             "Current New Jersey LPN license and admission to the advanced placement track.",
             "Bridges licensed practical nurses into the registered nurse role. Students expand "
             "their assessment skills, learn to write and evaluate nursing care plans, apply "
             "clinical judgment to prioritize care for several patients, and review IV therapy "
             "and medication administration at the RN level. The course compares LPN and RN "
             "scope of practice under the New Jersey Nurse Practice Act and includes an "
             "evening skills lab and weekend clinical practice.",
             [("4150", "TTh", "5:30p.m.-8:50p.m.", "HEALTH 110", "Okonkwo A", "10 weeks", "Hybrid")]),
            ("NURS 201", "MEDICAL-SURGICAL NURSING I", 8, "NURS 101, NURS 110, BIO 104.",
             "Focuses on adults with common acute and chronic medical and surgical conditions, "
             "including cardiac, respiratory, renal, endocrine and musculoskeletal disorders. "
             "Students perform focused assessments, interpret laboratory values, manage pain, "
             "care for surgical wounds and drains, administer IV medications and coordinate care "
             "with the interprofessional team. Clinical practice takes place on hospital "
             "medical-surgical and telemetry units. "
             "Students learn to recognize early warning signs of deterioration and to report "
             "using SBAR.",
             [("4201", "MT", "7:00a.m.-3:30p.m.", "HOSP", "Staff", "15 weeks", "On Ground")]),
            ("NURS 210", "NURSING CARE OF CHILDBEARING AND CHILDREARING FAMILIES", 5, "NURS 201.",
             "Nursing care of families during pregnancy, birth and the postpartum period and of "
             "children from infancy through adolescence. Topics include fetal monitoring, newborn "
             "assessment, breastfeeding support, growth and development, pediatric dosage "
             "calculation and family teaching. Clinical practice on maternity and pediatric units. "
             "Students also practice therapeutic communication with families, recognize "
             "signs of abuse and neglect, and learn immunization schedules and safe sleep "
             "teaching. Emphasis is placed on cultural sensitivity and on patient safety "
             "during labor and delivery.",
             [("4210", "Th", "7:00a.m.-3:30p.m.", "HOSP", "Staff", "8 weeks", "On Ground")]),
            ("NURS 215", "MENTAL HEALTH NURSING", 4, "NURS 201.",
             "Care of patients with anxiety, mood, psychotic and substance use disorders. Students "
             "practice therapeutic communication, suicide risk assessment, de-escalation and "
             "safe use of psychotropic medications in inpatient and community settings. "
             "The course also covers crisis intervention, the legal rights of psychiatric "
             "patients, group therapy, and working with families and community mental health "
             "services. Students learn to recognize delirium and dementia in older adults "
             "and to document behavior objectively.",
             [("4215", "F", "7:00a.m.-3:30p.m.", "HOSP", "Staff", "8 weeks", "On Ground")]),
            ("NURS 220", "NURSING LEADERSHIP AND TRANSITION TO PRACTICE", 6, "NURS 210, NURS 215.",
             "Prepares graduating students to manage a group of patients, delegate to licensed "
             "practical nurses and nursing assistants, prioritize care, use evidence-based "
             "practice and quality improvement, and prepare for the NCLEX-RN. Includes a "
             "precepted clinical capstone. "
             "Students manage a full patient assignment under a preceptor, practice conflict "
             "resolution and handoff reporting, review legal and ethical issues in nursing "
             "practice, and complete a comprehensive NCLEX-RN review with practice "
             "examinations.",
             [("4220", "TW", "7:00a.m.-7:30p.m.", "HOSP", "Staff", "15 weeks", "On Ground")]),
        ],
    ),
    "allied_health": (
        "Allied Health",
        "Certificate programs in medical assisting, phlebotomy and medical coding prepare students "
        "for entry-level jobs in physician practices, laboratories and hospitals. Evening and "
        "hybrid sections serve working adults.",
        [
            ("AHS 101", "MEDICAL TERMINOLOGY", 3, None,
             "Students learn to build, spell and define medical terms from prefixes, roots and "
             "suffixes, organized by body system. Common abbreviations, diagnostic and surgical "
             "procedures and the language of the medical record are covered so that students can "
             "read physician notes, lab reports and prescriptions accurately. "
             "Students practice pronunciation, interpret common abbreviations and symbols, "
             "and translate medical reports into plain language for patients.",
             [("5101", "N", "Arrange-3 Hours", "ONLINE", "Patel R", "15 weeks", "Flexible"),
              ("5102", "TTh", "6:00p.m.-7:20p.m.", "HEALTH 120", "Patel R", "15 weeks", "On Ground")]),
            ("MAS 110", "CLINICAL PROCEDURES FOR MEDICAL ASSISTANTS", 4, "AHS 101.",
             "Hands-on training in the clinical duties of the medical assistant: rooming patients, "
             "taking vital signs and medical histories, preparing patients for examinations, "
             "assisting with minor procedures, sterilizing instruments, performing EKGs, "
             "administering intramuscular and subcutaneous injections and point-of-care testing. "
             "Infection control, patient safety and documentation are practiced in the lab. "
             "Students also learn to measure height, weight and visual acuity and to "
             "document procedures accurately.",
             [("5110", "MW", "6:00p.m.-8:50p.m.", "HEALTH 130", "Romero D", "15 weeks", "On Ground")]),
            ("MAS 120", "MEDICAL OFFICE PROCEDURES AND ELECTRONIC HEALTH RECORDS", 3, "AHS 101.",
             "Front-office skills for medical practices: patient scheduling, registration, "
             "insurance verification, referrals, telephone communication and patient privacy "
             "under HIPAA. Students work in a practice-management and electronic health record "
             "system to update patient charts, post charges and print encounter forms. "
             "Students also practice professional telephone skills, manage the appointment "
             "book for several providers, and learn basic insurance terminology such as "
             "copays, deductibles and prior authorizations. Customer service and handling "
             "patient complaints are emphasized.",
             [("5120", "N", "Arrange-3 Hours", "ONLINE", "Lindqvist K", "15 weeks", "Flexible")]),
            ("MAS 130", "PHARMACOLOGY FOR MEDICAL ASSISTANTS", 2, "AHS 101.",
             "Common drug classes used in outpatient care, dosage calculation, routes of "
             "administration, prescription abbreviations and the medical assistant's role in "
             "medication refills and patient teaching. "
             "Students learn the difference between brand and generic names, controlled "
             "substance schedules, and how to read a prescription and a medication list. The "
             "course emphasizes accurate dosage calculation, documentation of medications "
             "given in the office, and teaching patients how to take their medicines safely.",
             [("5130", "Th", "6:00p.m.-7:50p.m.", "HEALTH 120", "Romero D", "15 weeks", "On Ground")]),
            ("PHL 101", "PHLEBOTOMY TECHNIQUES", 3, "AHS 101 or current medical assistant work.",
             "Theory and practice of blood collection. Students learn venipuncture with "
             "evacuated tubes, syringes and butterfly sets, capillary puncture, order of draw, "
             "patient identification, specimen labeling, centrifuging and transport, and "
             "management of difficult draws and adverse reactions. Students complete supervised "
             "venipunctures in the lab and a clinical practicum at a patient service center. "
             "Quality control, specimen rejection criteria and patient communication are "
             "also covered.",
             [("5140", "TTh", "5:30p.m.-8:20p.m.", "HEALTH 130", "Osei B", "10 weeks", "On Ground")]),
            ("HIT 120", "MEDICAL CODING I", 3, "AHS 101, BIO 100 or BIO 103.",
             "Introduction to ICD-10-CM diagnosis coding and CPT procedure coding for physician "
             "services. Students abstract documentation, apply official coding guidelines and "
             "assign codes using code books and an encoder, and learn how codes drive claims and "
             "reimbursement. "
             "Students also learn HCPCS Level II codes, modifiers, medical necessity and the "
             "basics of HIPAA privacy. Coding exercises use real-world style physician notes "
             "from primary care, orthopedics and cardiology, and students check their "
             "accuracy against answer keys.",
             [("5160", "N", "Arrange-3 Hours", "ONLINE", "Brennan T", "15 weeks", "Flexible")]),
        ],
    ),
    "information_technology": (
        "Information Technology",
        "The IT Support Specialist certificate and the Network Administration associate degree "
        "prepare students for help desk, desktop support and network technician jobs and for "
        "CompTIA A+ and Network+ exams.",
        [
            ("CIS 105", "COMPUTER HARDWARE AND OPERATING SYSTEMS", 4, None,
             "Students assemble, configure and upgrade desktop and laptop computers: "
             "motherboards, processors, memory, storage and power supplies. Installing and "
             "configuring Windows, using the command line, device drivers, printers and mobile "
             "devices are practiced in the lab. Covers the hardware and operating system "
             "objectives of the CompTIA A+ Core 1 exam. "
             "Students also learn electrostatic discharge precautions and how to document a "
             "computer build.",
             [("6105", "MW", "6:00p.m.-8:50p.m.", "TECH 210", "Haddad S", "15 weeks", "On Ground")]),
            ("CIS 106", "PC TROUBLESHOOTING AND SUPPORT", 3, "CIS 105.",
             "A structured troubleshooting method applied to hardware, operating system, "
             "application and printer problems. Students diagnose failed components, repair "
             "boot problems, restore systems from backups, remove unwanted software and "
             "document their work. Prepares students for the CompTIA A+ Core 2 exam. "
             "Students practice explaining problems and solutions to non-technical users, "
             "maintaining device inventories, and using remote assistance tools. Lab "
             "exercises include recovering a failed hard drive, replacing laptop screens and "
             "keyboards, and configuring printers on a small office network.",
             [("6106", "TTh", "6:00p.m.-7:50p.m.", "TECH 210", "Haddad S", "15 weeks", "Hybrid")]),
            ("CIS 120", "NETWORKING FUNDAMENTALS", 3, "CIS 105 or CompTIA A+ certification.",
             "Introduces local area networks: the OSI and TCP/IP models, Ethernet and wireless "
             "standards, IP addressing and subnetting, DHCP and DNS, switches and routers, and "
             "structured cabling. Students build and test small networks, terminate cables and "
             "use ping and traceroute to find faults. Aligned with CompTIA Network+. "
             "Students also document network layouts and learn common port numbers and "
             "protocols. "
             "Labs use managed switches and small routers.",
             [("6120", "MW", "6:00p.m.-7:50p.m.", "TECH 214", "Kowalski J", "15 weeks", "On Ground"),
              ("6121", "N", "Arrange-3 Hours", "ONLINE", "Kowalski J", "15 weeks", "Flexible")]),
            ("CIS 130", "HELP DESK PRACTICE AND CUSTOMER SUPPORT", 3, "CIS 105.",
             "Students staff a simulated service desk: logging and prioritizing tickets, "
             "following escalation procedures, writing knowledge base articles, supporting "
             "users by phone and remote session, and handling difficult customers. Emphasizes "
             "listening, clear explanations and service-level agreements. "
             "Students also learn to measure customer satisfaction, write clear ticket "
             "notes, manage their time across many open tickets, and work as part of a "
             "support team. The course uses a free ticketing application and ends with a "
             "graded service desk simulation.",
             [("6130", "Sa", "9:00a.m.-11:50a.m.", "TECH 210", "Greene T", "15 weeks", "On Ground")]),
            ("CIS 210", "WINDOWS SERVER ADMINISTRATION", 4, "CIS 120.",
             "Installing and managing Windows Server: server roles, Active Directory domain "
             "services, users and groups, Group Policy, file and print services, DNS and DHCP "
             "servers, and scheduled backups. Students build a small domain in a virtual lab and "
             "automate routine tasks with basic scripts. "
             "Students also plan server hardware, install roles, manage storage and "
             "printers, and document their configuration for the next administrator. Labs "
             "are completed in virtual machines.",
             [("6210", "TTh", "6:00p.m.-8:20p.m.", "TECH 214", "Ferreira P", "15 weeks", "On Ground")]),
            ("CIS 220", "LINUX ADMINISTRATION", 3, "CIS 120.",
             "Working at the Linux command line: the file system, permissions, users and groups, "
             "package management, services, shell scripting with Bash, log files and basic "
             "network configuration. Students administer Ubuntu and Red Hat virtual machines. "
             "Students also write scripts to automate user creation and log rotation, "
             "schedule jobs with cron, and manage services with systemd. The course ends "
             "with a project in which students build and document a small file and web "
             "server.",
             [("6220", "N", "Arrange-3 Hours", "ONLINE", "Ferreira P", "15 weeks", "Flexible")]),
            ("WEB 110", "WEB PAGE DESIGN WITH HTML AND CSS", 3, None,
             "Students hand-code standards-based web pages with HTML5 and style them with CSS: "
             "layout with flexbox and grid, responsive design for phones and tablets, images, "
             "forms and basic accessibility. Sites are published to a web server with FTP. "
             "Students learn to plan a site's structure, optimize images, test pages in "
             "several browsers and validate their code. The course ends with a multi-page "
             "portfolio site for a local business or organization.",
             [("6310", "M", "6:00p.m.-8:50p.m.", "TECH 118", "Nakamura E", "15 weeks", "Hybrid")]),
            ("WEB 210", "JAVASCRIPT PROGRAMMING", 3, "WEB 110.",
             "Programming for the web with JavaScript: variables, functions, arrays and objects, "
             "DOM manipulation, events, form validation and fetching data from web APIs. Students "
             "build interactive pages and manage their code with Git. "
             "Students also learn debugging with browser developer tools, working with JSON "
             "data, writing reusable functions and organizing code into modules. The final "
             "project is a small interactive web application.",
             [("6320", "W", "6:00p.m.-8:50p.m.", "TECH 118", "Nakamura E", "15 weeks", "Hybrid")]),
        ],
    ),
    "welding_technology": (
        "Welding Technology",
        "The Welding Technology certificate trains students in the major arc and gas welding "
        "processes used in structural, pipe and production welding and prepares them for "
        "American Welding Society qualification tests.",
        [
            ("WLD 101", "WELDING SAFETY AND OXY-FUEL CUTTING", 3, None,
             "Introduces the welding shop: personal protective equipment, ventilation, fire "
             "prevention and hot-work permits, and safe handling of compressed gas cylinders. "
             "Students set up oxy-acetylene equipment, cut and bevel plate, and use plasma arc "
             "cutting and grinders to prepare joints. "
             "Students also learn shop math for cutting stock to length, identify common "
             "metals, and maintain tools and equipment. Safe work habits and housekeeping "
             "are graded throughout the course.",
             [("7101", "MW", "5:30p.m.-8:20p.m.", "WELD SHOP", "Marino V", "8 weeks", "On Ground")]),
            ("WLD 110", "SHIELDED METAL ARC WELDING I", 4, "WLD 101.",
             "Stick welding on carbon steel plate in the flat, horizontal and vertical positions "
             "with E6010 and E7018 electrodes. Students learn machine setup, amperage selection, "
             "arc length and travel speed, and visually inspect their welds for undercut, "
             "porosity and slag inclusions. "
             "Students learn to prepare joints by grinding and beveling, to restart and tie "
             "in welds, and to judge weld quality by appearance. The course ends with a "
             "practical test of fillet welds in three positions.",
             [("7110", "MW", "5:30p.m.-9:20p.m.", "WELD SHOP", "Marino V", "15 weeks", "On Ground")]),
            ("WLD 120", "GAS METAL AND FLUX CORED ARC WELDING", 4, "WLD 101.",
             "MIG and flux-cored welding on steel and aluminum: wire feeders, shielding gases, "
             "transfer modes and machine settings. Students weld fillet and groove joints in all "
             "positions and prepare bend test coupons. "
             "Students also learn to troubleshoot wire feed problems, choose contact tips "
             "and nozzles, and maintain MIG guns. Production welding techniques, travel "
             "angles and heat input are practiced on projects built in the shop. The course "
             "ends with guided bend tests.",
             [("7120", "TTh", "5:30p.m.-9:20p.m.", "WELD SHOP", "Dubois R", "15 weeks", "On Ground")]),
            ("WLD 210", "GAS TUNGSTEN ARC WELDING", 4, "WLD 110 or WLD 120.",
             "TIG welding on carbon steel, stainless steel and aluminum sheet and plate. Covers "
             "tungsten selection and preparation, filler metals, AC and DC polarity, purging and "
             "heat control for thin material. "
             "Students also learn to set pulse and balance controls, prevent contamination "
             "and distortion, and weld lap, corner and T-joints on thin material. "
             "Cleanliness, preparation of the base metal and steady hand skills are "
             "emphasized.",
             [("7210", "Sa", "8:00a.m.-1:50p.m.", "WELD SHOP", "Dubois R", "15 weeks", "On Ground")]),
            ("WLD 220", "PIPE WELDING", 4, "WLD 110 and WLD 210.",
             "Open-root pipe welding in the 2G, 5G and 6G positions with stick and TIG processes, "
             "pipe fit-up and preparation, and practice for AWS and ASME qualification tests. "
             "Students learn to grind and prepare pipe bevels, tack and align pipe joints, "
             "control root penetration and complete hot, fill and cap passes. Weld quality "
             "is evaluated by visual inspection and bend tests in preparation for "
             "certification.",
             [("7220", "TTh", "5:30p.m.-9:20p.m.", "WELD SHOP", "Marino V", "15 weeks", "On Ground")]),
        ],
    ),
    "advanced_manufacturing": (
        "Advanced Manufacturing",
        "Courses in CNC machining and industrial maintenance prepare students for machine "
        "operator, machinist and maintenance technician jobs at Mercer County manufacturers and "
        "lead to NIMS and MSSC credentials.",
        [
            ("MFG 101", "MANUFACTURING PROCESSES AND SAFETY", 3, None,
             "Survey of modern manufacturing: machining, forming, molding, joining and "
             "assembly processes, materials and their properties, lean production, 5S and "
             "quality basics. OSHA 10-hour general industry safety training is included. "
             "Students tour local plants, learn how products move from raw material to "
             "finished goods, and practice problem solving, teamwork and continuous "
             "improvement on small projects. The course introduces quality control charts "
             "and standard work instructions.",
             [("8101", "M", "6:00p.m.-8:50p.m.", "MFG LAB", "Sorensen H", "15 weeks", "Hybrid")]),
            ("MFG 110", "PRECISION MEASUREMENT AND SHOP MATH", 3, None,
             "Applied arithmetic, fractions, decimals, metric conversion and right-angle "
             "trigonometry for the shop. Students measure parts with steel rules, calipers, "
             "micrometers, dial indicators and height gauges and record inspection data. "
             "Students also learn to calibrate and care for measuring instruments, to "
             "calculate averages and ranges, and to record inspection results on check "
             "sheets. Accuracy, repeatability and attention to detail are emphasized in "
             "every lab.",
             [("8110", "W", "6:00p.m.-8:50p.m.", "MFG LAB", "Sorensen H", "15 weeks", "On Ground")]),
            ("MFG 120", "CNC OPERATIONS I", 4, "MFG 110.",
             "Operating CNC vertical mills and turning centers: machine controls, work "
             "coordinates, tool and work offsets, loading programs, cutting tool selection, "
             "feeds and speeds, and first-article checks. Students run production parts on Haas "
             "machines. "
             "Students also learn machine warm-up and maintenance routines, safe chip "
             "removal, fixturing and workholding, and how to inspect parts between cycles. "
             "The course emphasizes safe operation and consistent, accurate production of "
             "parts.",
             [("8120", "TTh", "6:00p.m.-9:20p.m.", "MFG LAB", "Alvarez C", "15 weeks", "On Ground")]),
            ("MFG 130", "CNC PROGRAMMING", 3, "MFG 120.",
             "Writing and editing G-code and M-code programs by hand, canned cycles, cutter "
             "compensation and subprograms, with an introduction to generating toolpaths in "
             "CAM software. "
             "Students write programs for milling and turning operations, simulate toolpaths "
             "before running them, and prove out programs on the machine. Emphasis is on "
             "efficient tool paths, correct feeds and speeds, and safe program structure. "
             "Students also edit programs at the machine control.",
             [("8130", "Sa", "9:00a.m.-11:50a.m.", "MFG LAB", "Alvarez C", "15 weeks", "On Ground")]),
            ("MFG 140", "INDUSTRIAL MAINTENANCE: MECHANICAL SYSTEMS", 4, "MFG 101.",
             "Maintaining production machinery: bearings, belts, chains, couplings, gearboxes "
             "and shaft alignment, lubrication programs and preventive maintenance scheduling. "
             "Students disassemble, repair and reassemble trainers and keep maintenance records. "
             "Students also learn to use torque wrenches, pullers and dial indicators, to "
             "read equipment manuals, and to order replacement parts. Lockout/tagout "
             "procedures and safe work practices are emphasized throughout the course. "
             "Students keep a maintenance log for each trainer.",
             [("8140", "MW", "6:00p.m.-9:20p.m.", "MFG LAB", "Boateng K", "15 weeks", "On Ground")]),
            ("MFG 150", "HYDRAULICS AND PNEUMATICS", 3, "MFG 101.",
             "Fluid power principles, pumps, valves, cylinders and motors, circuit design and "
             "troubleshooting of hydraulic and pneumatic systems on lab trainers. "
             "Students learn to read fluid power symbols on circuit diagrams, measure "
             "pressure and flow, replace seals and hoses, and locate leaks and failures. The "
             "course also covers filtration, fluid maintenance and safety when working with "
             "stored energy in hydraulic and pneumatic systems.",
             [("8150", "T", "6:00p.m.-8:50p.m.", "MFG LAB", "Boateng K", "15 weeks", "On Ground")]),
            ("MFG 160", "ELECTRICAL CONTROLS AND PLCS", 4, "MFG 101.",
             "Electrical safety, meters, motors and motor starters, relay logic and an "
             "introduction to programmable logic controllers. Students wire control circuits and "
             "write simple ladder logic programs. "
             "Students learn to test circuits with multimeters, troubleshoot motor starters "
             "and relays, read electrical schematics and ladder diagrams, and follow "
             "lockout/tagout rules. The course prepares students for maintenance technician "
             "and electromechanical technician roles. "
             "Students also wire and test a small conveyor control panel.",
             [("8160", "Th", "6:00p.m.-9:50p.m.", "MFG LAB", "Boateng K", "15 weeks", "On Ground")]),
        ],
    ),
    "supply_chain_logistics": (
        "Supply Chain and Logistics",
        "Short courses and a certificate for warehouse associates, forklift operators and "
        "inventory clerks who want to move into lead, inventory control and logistics "
        "coordinator roles.",
        [
            ("LOG 101", "INTRODUCTION TO SUPPLY CHAIN MANAGEMENT", 3, None,
             "How products move from suppliers to customers: purchasing, production planning, "
             "warehousing, transportation and customer service. Students map a supply chain, "
             "calculate basic costs and discuss how e-commerce has changed distribution in New "
             "Jersey. "
             "Students also learn key performance measures such as order accuracy, fill rate "
             "and on-time delivery, and discuss careers from warehouse associate to "
             "logistics coordinator. Guest speakers from local distribution centers describe "
             "how their operations work.",
             [("9101", "N", "Arrange-3 Hours", "ONLINE", "Whitaker J", "15 weeks", "Flexible")]),
            ("LOG 105", "POWERED INDUSTRIAL TRUCK SAFETY", 1, None,
             "OSHA-based classroom and hands-on training for sit-down and stand-up forklifts and "
             "pallet jacks: stability, load capacity, pre-shift inspection, stacking, ramps and "
             "pedestrian safety. Students complete a practical evaluation. "
             "The course covers OSHA rules for powered industrial trucks, battery charging "
             "and propane tank changes, load charts and safe travel in aisles. Students who "
             "pass the written and practical tests receive an operator certificate.",
             [("9105", "Sa", "8:00a.m.-4:50p.m.", "WAREHOUSE LAB", "Reyes M", "2 weeks", "On Ground")]),
            ("LOG 110", "WAREHOUSE OPERATIONS", 3, "LOG 105 or forklift certification.",
             "Receiving, put-away, picking, packing and shipping in a modern distribution center. "
             "Students use a warehouse management system and RF scanners, plan slotting, prepare "
             "bills of lading and measure productivity and accuracy. "
             "Students also learn to organize a warehouse for safety and efficiency, follow "
             "picking and packing standards, handle damaged goods and returns, and work as "
             "part of a warehouse team. The course includes hands-on practice with pallet "
             "jacks and label printers.",
             [("9110", "TTh", "6:00p.m.-7:20p.m.", "WAREHOUSE LAB", "Reyes M", "15 weeks", "On Ground")]),
            ("LOG 120", "INVENTORY CONTROL", 3, "LOG 101.",
             "Inventory records, cycle counting, ABC analysis, reorder points, safety stock and "
             "shrinkage. Students reconcile counts and build inventory reports in Excel. "
             "Students learn to investigate discrepancies between counts and records, "
             "classify stock by value and movement, set up item codes and locations, and "
             "present inventory results to managers. Excel skills such as sorting, filtering "
             "and simple formulas are practiced throughout.",
             [("9120", "N", "Arrange-3 Hours", "ONLINE", "Whitaker J", "15 weeks", "Flexible")]),
            ("LOG 130", "TRANSPORTATION AND FREIGHT MANAGEMENT", 3, "LOG 101.",
             "Truckload, less-than-truckload and parcel shipping, carrier selection, freight "
             "rates, routing, hours-of-service rules and claims. Students plan outbound loads and "
             "compare carrier costs. "
             "Students also prepare bills of lading, track shipments, learn about freight "
             "classes and accessorial charges, and practice communicating with carriers and "
             "customers about delays and damage claims. "
             "Students compare the cost of truckload, LTL and parcel options for sample "
             "shipments, calculate freight per unit, and learn how routing software and GPS "
             "tracking help dispatchers plan daily routes.",
             [("9130", "W", "6:00p.m.-8:50p.m.", "BUS 240", "Whitaker J", "15 weeks", "Hybrid")]),
        ],
    ),
    "business_office": (
        "Business and Office Technology",
        "Certificates in bookkeeping and office administration prepare students for accounting "
        "clerk, bookkeeper, office clerk and customer service positions.",
        [
            ("ACC 101", "BOOKKEEPING I", 3, None,
             "Double-entry bookkeeping for small businesses: the accounting cycle, journals and "
             "ledgers, accounts payable and receivable, bank reconciliation, payroll records and "
             "preparing a trial balance, income statement and balance sheet. "
             "Students practice posting transactions, correcting errors and closing the "
             "books at month end using a practice set for a small service business. Internal "
             "controls over cash and the importance of accurate records are emphasized.",
             [("1101", "MW", "6:00p.m.-7:20p.m.", "BUS 230", "Fitzgerald N", "15 weeks", "On Ground"),
              ("1102", "N", "Arrange-3 Hours", "ONLINE", "Fitzgerald N", "15 weeks", "Flexible")]),
            ("ACC 115", "COMPUTERIZED ACCOUNTING WITH QUICKBOOKS", 3, "ACC 101.",
             "Setting up a company file in QuickBooks Online, entering customers, vendors and "
             "items, invoicing, receiving payments, paying bills, running payroll, reconciling "
             "accounts and producing financial reports. Prepares students for the QuickBooks "
             "Certified User exam. "
             "Students also learn to set up the chart of accounts, track sales tax, create "
             "budgets, and customize reports for owners and accountants. Practice sets cover "
             "a retail business and a service business.",
             [("1115", "T", "6:00p.m.-8:50p.m.", "BUS 232", "Fitzgerald N", "15 weeks", "Hybrid")]),
            ("OFF 101", "KEYBOARDING AND DOCUMENT PRODUCTION", 2, None,
             "Touch typing for speed and accuracy and formatting business letters, memos, "
             "reports and tables in Microsoft Word. "
             "Students also learn proofreading, proper document layout and how to create "
             "envelopes, labels and simple forms. Students build keyboarding speed through "
             "timed writings and daily practice, with a goal of at least 40 words per "
             "minute, and learn ergonomic work habits that prevent strain and injury.",
             [("1201", "N", "Arrange-2 Hours", "ONLINE", "Ruiz G", "15 weeks", "Flexible")]),
            ("OFF 110", "MICROSOFT OFFICE APPLICATIONS", 3, None,
             "Hands-on use of Word, Excel, PowerPoint and Outlook for office work: formatting "
             "documents, building spreadsheets with formulas, charts and sorting, creating "
             "presentations and managing email and calendars. Prepares students for Microsoft "
             "Office Specialist exams. "
             "Students also learn file management, collaboration with shared documents, mail "
             "merge and basic charts and tables for reports. The course uses projects drawn "
             "from real office tasks such as invoices, schedules and newsletters.",
             [("1210", "TTh", "6:00p.m.-7:20p.m.", "BUS 232", "Ruiz G", "15 weeks", "On Ground")]),
            ("OFF 120", "CUSTOMER SERVICE AND WORKPLACE COMMUNICATION", 3, None,
             "Serving customers in person, by phone and in writing: active listening, handling "
             "complaints, telephone etiquette, professional email and teamwork. Students practice "
             "with call scenarios and role plays. "
             "Students also learn to de-escalate upset customers, to write clear follow-up "
             "messages, to record customer interactions in a database, and to work "
             "effectively in diverse teams. The course includes practice calls graded with a "
             "customer service rubric and a mock interview with a local employer.",
             [("1220", "W", "6:00p.m.-8:50p.m.", "BUS 210", "Achebe O", "15 weeks", "On Ground")]),
            ("OFF 130", "RECORDS MANAGEMENT", 2, "OFF 110.",
             "Filing systems, retention schedules, scanning and indexing documents, and keeping "
             "paper and electronic records organized and confidential. "
             "Students learn alphabetic, numeric and subject filing rules, set up electronic "
             "folder structures, manage records retention and destruction, and protect "
             "confidential information. Hands-on projects include organizing a paper filing "
             "system and scanning and indexing documents into an electronic records system "
             "for a medical or legal office.",
             [("1230", "N", "Arrange-2 Hours", "ONLINE", "Ruiz G", "8 weeks", "Flexible")]),
        ],
    ),
}
