[
  {
    "name": "oc-profile",
    "interface": "ens2f0",
    "ptp4lOpts": "-2 -s --summary_interval -4",
    "phc2sysOpts": "-a -r -m -n 24 -N 8 -R 16",
    "ptpClockThreshold": {
      "holdOverTimeout": 5,
      "maxOffsetThreshold": 100,
      "minOffsetThreshold": -100
    }
  },
  {
    "name": "bc-profile",
    "ptp4lOpts": "-2 --summary_interval -4",
    "ptpClockThreshold": {"holdOverTimeout": 30, "maxOffsetThreshold": 50}
  },
  {
    "name": "dual-follower",
    "ptp4lOpts": "-2 --summary_interval -4",
    "chronydOpts": "-d"
  },
  {
    "name": "ha-member",
    "ptp4lOpts": "-2 --summary_interval -4",
    "ts2PhcOpts": "-s generic -a --ts2phc.rh_external_pps 1"
  },
  {
    "name": "ha-phc2sys",
    "phc2sysOpts": "-r -n 24 -N 8 -R 16 -u 0 -m",
    "ptpSettings": {"haProfiles": "ha-member,dual-follower"}
  }
]
