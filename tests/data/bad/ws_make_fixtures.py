#!/usr/bin/env python3
"""Writes the tiny bad-workspace fixtures tests/data/bad/ws_*.json, one defect each.
Each starts from BASE (a valid 1-channel workspace) and applies one mutation; the
expected error of each is asserted in tests/test_workspace.cpp. Run from anywhere."""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

BASE = {
    "version": "1.0.0",
    "channels": [{"name": "SR", "samples": [
        {"name": "sig", "data": [1.0, 2.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "bkg", "data": [10.0, 20.0], "modifiers": [
            {"name": "jes", "type": "histosys", "data": {"hi_data": [11.0, 22.0], "lo_data": [9.0, 18.0]}},
            {"name": "xs", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
            {"name": "stat", "type": "staterror", "data": [1.0, 2.0]},
            {"name": "unc", "type": "shapesys", "data": [1.0, 2.0]}]}]}],
    "observations": [{"name": "SR", "data": [12.0, 25.0]}],
    "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
}


def sig(ws):
    return ws["channels"][0]["samples"][0]


def bkg(ws):
    return ws["channels"][0]["samples"][1]


def mod(ws, i):
    return bkg(ws)["modifiers"][i]


def params(ws):
    return ws["measurements"][0]["config"]["parameters"]


def cr_channel(ws, samples):
    ws["channels"].append({"name": "CR", "samples": samples})
    ws["observations"].append({"name": "CR", "data": [5.0]})


MUTATIONS = {
    "not_object": lambda ws: [],
    "missing_channels": lambda ws: ws.pop("channels"),
    "missing_version": lambda ws: ws.pop("version"),
    "bad_version": lambda ws: ws.update(version="2.0.0"),
    "unknown_key": lambda ws: ws.update(foo=1),
    "empty_channels": lambda ws: ws.update(channels=[]),
    "empty_samples": lambda ws: ws["channels"][0].update(samples=[]),
    "channel_name_number": lambda ws: ws["channels"][0].update(name=5),
    "sample_data_string": lambda ws: sig(ws).update(data="abc"),
    "sample_data_bool": lambda ws: sig(ws).update(data=[True, 2.0]),
    "sample_data_empty": lambda ws: sig(ws).update(data=[]),
    "sample_missing_modifiers": lambda ws: sig(ws).pop("modifiers"),
    "sample_bins": lambda ws: bkg(ws).update(data=[10.0, 20.0, 30.0]),
    "histosys_hi_bins": lambda ws: mod(ws, 0)["data"].update(hi_data=[11.0]),
    "histosys_lo_bins": lambda ws: mod(ws, 0)["data"].update(lo_data=[9.0, 18.0, 1.0]),
    "histosys_missing_lo": lambda ws: mod(ws, 0)["data"].pop("lo_data"),
    "normsys_missing_hi": lambda ws: mod(ws, 1)["data"].pop("hi"),
    "normsys_lo_zero": lambda ws: mod(ws, 1)["data"].update(lo=0.0),
    "normsys_hi_negative": lambda ws: mod(ws, 1)["data"].update(hi=-1.1),
    "staterror_bins": lambda ws: mod(ws, 2).update(data=[1.0, 2.0, 3.0]),
    "shapesys_bins": lambda ws: mod(ws, 3).update(data=[1.0]),
    "normfactor_data": lambda ws: sig(ws)["modifiers"][0].update(data=[1.0]),
    "lumi_name": lambda ws: sig(ws)["modifiers"].append({"name": "Lumi", "type": "lumi", "data": None}),
    "unknown_modifier_type": lambda ws: mod(ws, 3).update(type="shapesyss"),
    "modifier_missing_type": lambda ws: mod(ws, 1).pop("type"),
    "negative_observation": lambda ws: ws["observations"][0].update(data=[-1.0, 25.0]),
    "missing_observation": lambda ws: ws["observations"][0].update(name="CR"),
    "observation_bins": lambda ws: ws["observations"][0].update(data=[12.0]),
    "duplicate_observation": lambda ws: ws["observations"].append({"name": "SR", "data": [1.0, 2.0]}),
    "duplicate_channel": lambda ws: ws["channels"].append(copy.deepcopy(ws["channels"][0])),
    "duplicate_sample": lambda ws: ws["channels"][0]["samples"].append(copy.deepcopy(bkg(ws))),
    "duplicate_modifier": lambda ws: bkg(ws)["modifiers"].append(copy.deepcopy(mod(ws, 1))),
    "conflicting_types": lambda ws: sig(ws)["modifiers"].append({"name": "xs", "type": "normfactor", "data": None}),
    "shapesys_shared": lambda ws: sig(ws)["modifiers"].append({"name": "unc", "type": "shapesys", "data": [0.5, 0.5]}),
    "staterror_channels": lambda ws: (
        sig(ws)["modifiers"].append({"name": "stat", "type": "staterror", "data": [0.1, 0.1]}),
        cr_channel(ws, [{"name": "sig", "data": [1.0], "modifiers": [
            {"name": "stat", "type": "staterror", "data": [0.1]}]},
            {"name": "bkg", "data": [5.0], "modifiers": []}])),
    "shapefactor_bins": lambda ws: (
        sig(ws)["modifiers"].append({"name": "sf", "type": "shapefactor", "data": None}),
        cr_channel(ws, [{"name": "bkg", "data": [5.0], "modifiers": [
            {"name": "sf", "type": "shapefactor", "data": None}]}])),
    "bounds_reversed": lambda ws: params(ws).append({"name": "mu", "bounds": [[5.0, 1.0]]}),
    "bounds_one_value": lambda ws: params(ws).append({"name": "mu", "bounds": [[1.0]]}),
    "init_outside_bounds": lambda ws: params(ws).append({"name": "mu", "inits": [20.0]}),
    "no_measurements": lambda ws: ws.update(measurements=[]),
    "measurement_missing_poi": lambda ws: ws["measurements"][0]["config"].pop("poi"),
    "duplicate_parameter_config": lambda ws: params(ws).extend([{"name": "mu"}, {"name": "mu", "fixed": True}]),
    "sigmas_on_normsys": lambda ws: params(ws).append({"name": "xs", "sigmas": [0.5]}),
    "auxdata_on_normfactor": lambda ws: params(ws).append({"name": "mu", "auxdata": [1.0]}),
    "inits_length": lambda ws: params(ws).append({"name": "stat", "inits": [1.0]}),
    "parameter_unknown_key": lambda ws: params(ws).append({"name": "mu", "foo": 1}),
    "fixed_not_bool": lambda ws: params(ws).append({"name": "mu", "fixed": 1}),
    "lumi_without_config": lambda ws: sig(ws)["modifiers"].append({"name": "lumi", "type": "lumi", "data": None}),
    "non_scalar_poi": lambda ws: ws["measurements"][0]["config"].update(poi="stat"),
}

# Texts that are not valid JSON documents for nlohmann (Python's json.dumps writes these).
RAW = {
    "nan": json.dumps(BASE, indent=1).replace("12.0", "NaN", 1),
    "overflow": json.dumps(BASE, indent=1).replace("12.0", "1e999", 1),
}


def main():
    for name, f in MUTATIONS.items():
        ws = copy.deepcopy(BASE)
        out = f(ws)
        if isinstance(out, list) and name == "not_object":
            ws = out
        with open(os.path.join(HERE, f"ws_{name}.json"), "w") as fh:
            json.dump(ws, fh, indent=1)
            fh.write("\n")
    for name, text in RAW.items():
        with open(os.path.join(HERE, f"ws_{name}.json"), "w") as fh:
            fh.write(text + "\n")
    with open(os.path.join(HERE, "ws_valid.json"), "w") as fh:
        json.dump(BASE, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
