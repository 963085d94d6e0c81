#!/usr/bin/python3
"""A leader that stalled past its ttl comes back while a successor holds the lock.

Drives Debian's real Patroni DCS classes against a real DCS server started here (etcd, or
ZooKeeper), as Patroni itself, unmended or mended by kiln-patroni, and prints one JSON object
per case: what the old leader's renewal returned, who holds the leader lock afterwards, and
what the successor's renewal returned. The stall itself is played by ending the old leader's
lease (etcd) or session (ZooKeeper), which is what its expiry during a stall amounts to.

usage: stale_leader.py etcd|zookeeper PATH-TO-kiln-patroni mended|unmended
"""

import importlib.machinery
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for_port(port, process, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit('the DCS server exited early ({})'.format(process.returncode))
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit('the DCS server did not listen on {} within {} s'.format(port, seconds))


def start_etcd(workdir):
    client, peer = free_port(), free_port()
    log = open(os.path.join(workdir, 'etcd.log'), 'w')
    process = subprocess.Popen(
        ['etcd', '--name', 'test', '--data-dir', os.path.join(workdir, 'etcd'),
         '--listen-client-urls', 'http://127.0.0.1:{}'.format(client),
         '--advertise-client-urls', 'http://127.0.0.1:{}'.format(client),
         '--listen-peer-urls', 'http://127.0.0.1:{}'.format(peer),
         '--initial-advertise-peer-urls', 'http://127.0.0.1:{}'.format(peer),
         '--initial-cluster', 'test=http://127.0.0.1:{}'.format(peer)],
        stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(client, process)
    return process, client


def start_zookeeper(workdir):
    port = free_port()
    conf = os.path.join(workdir, 'zoo.cfg')
    with open(conf, 'w') as f:
        f.write('tickTime=500\ninitLimit=10\nsyncLimit=5\nmaxSessionTimeout=60000\n'
                'dataDir={}\nclientPort={}\nclientPortAddress=127.0.0.1\n'
                'admin.enableServer=false\n'.format(os.path.join(workdir, 'zk'), port))
    log = open(os.path.join(workdir, 'zookeeper.log'), 'w')
    process = subprocess.Popen(
        ['java', '-cp', '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
         '-Dzookeeper.log.dir=' + workdir, 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
         conf], stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(port, process)
    return process, port


def dcs_config(name, kind, port, scope):
    config = {'scope': scope, 'namespace': '/service/', 'name': name, 'ttl': 30,
              'loop_wait': 10, 'retry_timeout': 10}
    if kind == 'etcd':
        config.update({'hosts': ['127.0.0.1:{}'.format(port)], 'protocol': 'http'})
    else:
        config.update({'hosts': ['127.0.0.1:{}'.format(port)]})
    return config


def member(name, kind, port, scope):
    if kind == 'etcd':
        from patroni.dcs.etcd3 import Etcd3
        dcs = Etcd3(dcs_config(name, kind, port, scope))
    else:
        from patroni.dcs.zookeeper import ZooKeeper
        dcs = ZooKeeper(dcs_config(name, kind, port, scope))
    dcs.get_cluster()
    return dcs


def lock_holder(dcs):
    cluster = dcs.get_cluster(force=True)
    return cluster.leader.name if cluster.leader else None


def end_session(dcs, kind):
    """What a stall longer than the ttl does to the leader's claim on the lock."""
    if kind == 'etcd':
        dcs._client.call_rpc('/lease/revoke', {'ID': dcs._lease})
    else:
        dcs._client.stop()
        dcs._client.close()
        dcs._client.start()


def case_successor_holds(kind, port, scope='kiln-test-successor'):
    old = member('pg3', kind, port, scope)
    assert old.attempt_to_acquire_leader(), 'pg3 could not take the free lock'
    old.get_cluster()  # what pg3's HA loop saw before it stalled: itself as the leader
    end_session(old, kind)
    new = member('pg2', kind, port, scope)
    assert new.attempt_to_acquire_leader(), 'pg2 could not take the lock freed by the stall'
    new.get_cluster()
    old_renewed = old.update_leader(None)
    holder = lock_holder(member('observer', kind, port, scope))
    new_renewed = new.update_leader(None)
    return {'old_renewed': bool(old_renewed), 'holder': holder, 'new_renewed': bool(new_renewed)}


def case_own_lock(kind, port, scope='kiln-test-own'):
    leader = member('pg1', kind, port, scope)
    assert leader.attempt_to_acquire_leader(), 'pg1 could not take the free lock'
    leader.get_cluster()
    renewed = [bool(leader.update_leader(None)) for _ in range(3)]
    end_session(leader, kind)  # a stall past the ttl, but nobody took over meanwhile
    regained = bool(leader.update_leader(None))
    return {'renewed': renewed, 'regained': regained,
            'holder': lock_holder(member('observer', kind, port, scope))}


def main():
    kind, launcher, mode = sys.argv[1:4]
    workdir = tempfile.mkdtemp(prefix='kiln-stale-leader-')
    server = None
    failed = True
    try:
        server, port = (start_etcd if kind == 'etcd' else start_zookeeper)(workdir)
        if mode == 'mended':
            kiln_patroni = importlib.machinery.SourceFileLoader('kiln_patroni', launcher).load_module()
            from patroni.version import __version__
            print(json.dumps({'mended': kiln_patroni.mend(__version__)}), flush=True)
        print(json.dumps({'case': 'successor_holds', **case_successor_holds(kind, port)}),
              flush=True)
        print(json.dumps({'case': 'own_lock', **case_own_lock(kind, port)}), flush=True)
        failed = False
    except BaseException:
        traceback.print_exc()
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
        sys.stdout.flush()
        # Patroni's watcher threads would keep the interpreter alive.
        os._exit(1 if failed else 0)


if __name__ == '__main__':
    main()
